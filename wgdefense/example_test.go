package wgdefense_test

import (
	"fmt"
	"log"
	"net/netip"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/wgdefense"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/netstack"
)

// A machine deployed by a VPN: once a packet has gone either way, each
// packet sent restarts a timer of 1.5 to 9.5 s, and when it runs out the
// machine sends padding, so the tunnel never stays silent for long.
const machines = "02eNptjLsNwCAQQ++yQRZImTJlRIfYBDEJA7ERJQtQ0iC+dxSIJ1mWLcv5TsLH9wMmF4KLqwkRAawk2yPR00CHX3V3j1GziWvE09NBBWg9Fjk="

// This example defends a wireguard-go device on a userspace (netstack) TUN.
// The peer runs a Defense too, with the addresses swapped.
func Example() {
	local, peer := netip.MustParseAddr("10.64.0.2"), netip.MustParseAddr("10.64.0.1")
	tunDev, _, err := netstack.CreateNetTUN([]netip.Addr{local}, nil, device.DefaultMTU)
	if err != nil {
		log.Fatal(err)
	}

	ms, err := maybenot.ParseMachines(machines)
	if err != nil {
		log.Fatal(err)
	}
	d, err := wgdefense.New(wgdefense.Config{Machines: ms, LocalAddr: local, PeerAddr: peer})
	if err != nil {
		log.Fatal(err)
	}
	dev := device.NewDevice(d.WrapTUN(tunDev), d.WrapBind(conn.NewDefaultBind()), device.NewLogger(device.LogLevelError, ""))
	defer dev.Close()
	defer d.Close()
	// Configure dev as usual: dev.IpcSet("private_key=...\npublic_key=...\n
	// endpoint=...\nallowed_ip=10.64.0.1/32\n").

	fmt.Println(d.Stats().PaddingSent)
	// Output: 0
}
