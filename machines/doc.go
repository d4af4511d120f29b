// Package machines builds the machines of known traffic-analysis defenses,
// as the reference's machine library (the Rust crate maybenot-machines
// 1.0.1) does: the same parameters give the same machines.
//
// The defenses, each from its paper (see its builder):
//   - FRONT (Front): padding at Rayleigh-distributed times over the front
//     of a connection, never delaying a packet.
//   - RegulaTor (RegulatorClient, RegulatorServer): traffic shaped to a
//     decaying rate on the server and a fixed ratio of it on the client.
//   - Tamaraw (Tamaraw): a constant rate, with a soft stop.
//   - Interspace (InterspaceClient, InterspaceServer): randomized padding
//     machines, different on every call.
//   - Break-Pad (BreakPadClient, BreakPadServer): padding that breaks up
//     bursts.
//   - Scrambler (ScramblerClient, ScramblerServer): regular timing within
//     the segments of a video stream, and random segment sizes.
//   - NetFlow padding (SimpleNetFlow): padding that keeps a connection
//     from looking idle to NetFlow.
//
// Each builder returns the machines of one side of a defense, in the order
// the defense needs them; run them together in one Framework (with
// maybenot.NewFramework or the defense package). A defense that blocks
// (RegulaTor, Tamaraw, Scrambler) has machines that signal and block for
// each other, so use all of one side's machines together.
//
// A Spec names a defense and its parameters, in the reference's string
// form ("tamaraw 0.04 3000000") or its JSON form; Build turns a list of
// specs into machines, as the reference's get_machine does.
//
// FRONT and Interspace draw their machines from a random source: with the
// same source they draw as the reference does (its random number library,
// rand 0.9, draw for draw), so a deterministic source gives the
// reference's machines and a nil one a fresh defense each time, as real
// traffic needs. FRONT and RegulaTor compute parameters with pow and log;
// this package rounds them correctly, as the reference's platform library
// (glibc) does in all but rare cases, where the last bit of a parameter
// differs.
//
// Parameters for which the reference panics (or never returns) are errors
// wrapping ErrInvalidParameter, saying which parameter and why; other
// parameters, even odd ones, give the machines the reference gives.
// Specs that do not parse are errors wrapping ErrInvalidSpec.
package machines
