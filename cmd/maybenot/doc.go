// Command maybenot inspects, converts and tries Maybenot machines.
//
// A Maybenot machine is a small probabilistic state machine that tells a
// VPN or proxy when to send padding packets and when to hold back outgoing
// traffic, to hide what the traffic is. Machines travel as machine strings
// ("02" followed by base64). This command shows what a machine does,
// converts it to and from a JSON form people can read and write, builds the
// machines of known defenses, and runs machines over a packet trace to show,
// and draw, the traffic they would produce.
//
// Usage:
//
//	maybenot <command> [flags] [arguments]
//
// The commands are:
//
//	inspect [MACHINE|-]   validate machines and describe them: name,
//	                      limits, and every state's action, counters and
//	                      transitions
//	json [MACHINE|-]      print machines in their JSON form
//	encode [FILE|-]       read machines in their JSON form and print their
//	                      machine strings
//	machines SPEC...      print the machine strings of known defenses
//	                      (FRONT, RegulaTor, Tamaraw, ...) for the given
//	                      parameters; -list lists the defenses
//	simulate [flags]      run machines at the client and the server over a
//	                      packet trace, or a dataset of them, and print the
//	                      defended traffic and what it costs
//	plot [flags] PICTURE  simulate a trace as simulate does and draw it,
//	                      undefended above defended, to a PNG or SVG file
//	version               print the command's version and Go's
//
// inspect and json take one machine string as their argument, or read
// machine strings from standard input, one per line, when the argument is
// "-" or missing. encode reads a file, or standard input when the argument
// is "-" or missing. Run "maybenot <command> -h" for a command's flags and
// an example.
//
// # JSON form
//
// json prints each machine as one indented JSON document, in the order of
// the input, so a single machine gives a single JSON object and several
// give a stream of objects (as jq prints them). encode reads such a
// stream; each document in it may also be an array of machines. Both
// commands validate every machine, so
//
//	maybenot json - < machines.txt | maybenot encode
//
// prints machine strings for the same machines.
//
// # Simulation
//
// simulate runs machines at both ends of a connection over a trace of its
// undefended packets, as the client saw them: one "time_ns,s" (sent) or
// "time_ns,r" (received) line per packet, optionally followed by the size,
// as the reference implementation's tools write them. It uses package sim,
// which reproduces the reference simulator event for event: the network's
// delay and bottleneck, blocking, bypass and replace, integration delays.
// The result is the defended trace as the client sees it, printed with a
// summary beside the same trace simulated without machines (packets,
// padding in packets and bytes, the time to the last normal packet, the
// delay of normal packets), and with -out written in the reference's
// format, "time_ns,sn|sp|rn|rp,size" lines, which simulate reads back.
// With -dataset DIR -out DIR it simulates every trace under a directory,
// in parallel, and prints a table of them with their totals.
//
// The machines' randomness comes from -seed (1 by default), so the same
// flags always give the same output. -client-spec and -server-spec add
// the machines of a known defense, as "maybenot machines" builds them.
// Without any machines, simulate runs two built-in machines at the client,
// a padder and a blocker; without -trace, a synthetic page load; "maybenot
// simulate -h" describes both and every flag. -plot FILE (and the plot
// command) draws the trace; -force lets -out and -plot overwrite files.
//
// Exit status: 0 on success, 1 when the input is invalid or a file cannot
// be read or written, 2 for a usage error (an unknown command or flag, or
// a wrong number of arguments).
package main
