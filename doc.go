// Package maybenot runs Maybenot machines: small probabilistic state
// machines that decide when to send padding packets and when to block
// outgoing traffic, to defend encrypted connections against traffic
// analysis. It is a Go port of the reference Rust crate (version 2), with
// the same machine strings, JSON form and semantics.
//
// Machines arrive as strings (ParseMachine, ParseMachines) or in their JSON
// form. A Framework runs a set of them for one connection: the integrator
// reports what happens to packets with TriggerEvents and carries out the
// actions it returns (see ActionKind). A RateLimitedFramework caps how many
// actions per second come out. Package
// github.com/maybenot-go/maybenot/defense does the integrator's part with
// real timers.
//
// Machine strings may come from anywhere: ParseMachine bounds the memory
// and time any string can cost and rejects, with an error, whatever is not
// a valid machine.
//
// # Concurrency
//
// A Machine is plain data that nothing in this package modifies. Once built
// or parsed it may be shared by any number of goroutines and frameworks,
// and its methods other than UnmarshalJSON may be called concurrently; do
// not modify it while it is shared.
//
// A Framework holds the state of one connection and is not safe for
// concurrent use, nor is a RateLimitedFramework, which also uses the
// Framework it wraps: give each connection its own, used from one goroutine
// at a time.
//
// Dist.Sample only reads the Dist, so it is safe for concurrent use as long
// as each goroutine passes its own rand.Source: the sources of math/rand/v2,
// such as *rand.PCG and *rand.ChaCha8, change with every draw and are not
// safe for concurrent use.
package maybenot
