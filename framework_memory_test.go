package maybenot

import (
	"runtime"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/race"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// maxFrameworkBytes bounds the memory of one more Framework of the deployed
// machines once a framework of them exists (their compiled program is
// shared), its random source not included.
const maxFrameworkBytes = 1024

// heapAfter returns the bytes in use on the heap once f has run and the
// garbage is collected.
func heapAfter(f func()) uint64 {
	var before, after runtime.MemStats
	settleHeap()
	runtime.ReadMemStats(&before)
	f()
	settleHeap()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc
}

// settleHeap collects the garbage, waits for the cleanups that this lets
// run (such as the removal of programs no framework uses), and collects
// what they released.
func settleHeap() {
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	runtime.GC()
}

func TestFrameworkMemory(t *testing.T) {
	ms := deployedMachines(t)
	// Compiling allocates little but the program itself.
	progs := make([]*program, 100)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range progs {
		progs[i] = compile(ms)
	}
	runtime.ReadMemStats(&after)
	programBytes := (after.TotalAlloc - before.TotalAlloc) / uint64(len(progs))
	keyBytes := len(programKey(nil, ms))
	first, err := NewFramework(ms, 0, 0, base, splitmix.New(1))
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	frameworks := make([]*Framework, n)
	total := heapAfter(func() {
		for i := range frameworks {
			f, err := NewFramework(ms, 0, 0, base, splitmix.New(1))
			if err != nil {
				t.Fatal(err)
			}
			frameworks[i] = f
		}
	})
	perFramework := total / n
	t.Logf("the deployed machines: %d bytes per framework, and once for all of them a compiled program of %d bytes and its %d-byte key",
		perFramework, programBytes, keyBytes)
	if perFramework > maxFrameworkBytes {
		t.Errorf("a framework of the deployed machines takes %d bytes, want at most %d", perFramework, maxFrameworkBytes)
	}
	runtime.KeepAlive(progs)
	runtime.KeepAlive(first)
	runtime.KeepAlive(frameworks)
}

// maxNewFrameworkBytes bounds the bytes NewFramework allocates in all for
// machines whose program exists: what the framework keeps (at most
// maxFrameworkBytes) and little more. Finding the program must not cost a
// copy of the machines' encoding each time.
const maxNewFrameworkBytes = maxFrameworkBytes + 256

func TestNewFrameworkAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	ms := deployedMachines(t)
	keep, err := NewFramework(ms, 0, 0, base, splitmix.New(1))
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	frameworks := make([]*Framework, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range frameworks {
		if frameworks[i], err = NewFramework(ms, 0, 0, base, splitmix.New(1)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perFramework := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("NewFramework of the deployed machines allocates %d bytes, its source included", perFramework)
	if perFramework > maxNewFrameworkBytes {
		t.Errorf("NewFramework allocates %d bytes, want at most %d", perFramework, maxNewFrameworkBytes)
	}
	runtime.KeepAlive(keep)
}
