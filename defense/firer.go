package defense

import (
	"runtime"
	"sync/atomic"
	"time"
)

// On real time the clock timer of each Defense is a time.AfterFunc, whose
// function the runtime runs on a new goroutine. Such a goroutine starts
// with a small stack, which the framework's calls outgrow, and growing it
// costs more than the firing itself. So a firing hands its Defense to an
// idle firer, a goroutine that has handled firings before on a stack that
// has grown already, if there is one, now or after letting the others run
// once (firers that were just handed work then finish it); if not, the
// goroutine handles the firing itself and then stays on as a firer, up to
// maxFirersPerCPU per CPU. A firing is never queued: one that finds every
// firer busy (say, in a slow callback) goes ahead on its own goroutine, so
// Defenses do not wait for one another. A firer that has had nothing to do for
// firerLinger ends, so a program whose Defenses are idle keeps no
// goroutine.
var (
	firings = make(chan *Defense) // to an idle firer
	firers  atomic.Int32          // firers running
)

const (
	// maxFirersPerCPU bounds the firers.
	maxFirersPerCPU = 4
	// firerLinger is how long a firer waits for work before it ends.
	firerLinger = time.Second
)

// fireReal is the function of the clock timer of d on real time.
func (d *Defense) fireReal() {
	select {
	case firings <- d:
		return
	default:
	}
	// The firers may be about to finish: let them, and try again.
	runtime.Gosched()
	select {
	case firings <- d:
		return
	default:
	}
	d.fire()
	if int(firers.Add(1)) > maxFirersPerCPU*runtime.GOMAXPROCS(0) {
		firers.Add(-1)
		return
	}
	defer firers.Add(-1)
	idle := time.NewTimer(firerLinger)
	defer idle.Stop()
	for {
		select {
		case d := <-firings:
			d.fire()
			idle.Reset(firerLinger)
		case <-idle.C:
			return
		}
	}
}
