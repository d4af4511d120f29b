// Command maybenot inspects, converts and tries Maybenot machines.
//
// A Maybenot machine is a small probabilistic state machine that tells a
// VPN or proxy when to send padding packets and when to hold back outgoing
// traffic, to hide what the traffic is. Machines travel as machine strings
// ("02" followed by base64). This command shows what a machine does,
// converts it to and from a JSON form people can read and write, and runs
// machines over a packet trace to show the traffic they would produce.
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
//	simulate [flags]      run machines over a packet trace on a virtual
//	                      clock and print the defended trace and a summary
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
// simulate plays the client side of a connection: the side running the
// machines. The trace holds the connection's packets without any defense,
// one "time_ns,s" (sent) or "time_ns,r" (received) line per packet, as the
// reference implementation's tools write them (an optional third field,
// the size, is ignored). Each sent packet is queued at its time and written
// at once, or held back while the machines block outgoing traffic; each
// received packet is reported when it arrives. The machines' padding is
// sent as they ask. The result is the defended trace: every packet written
// or received, normal or padding, and how long blocking delayed it. It is
// printed as a table followed by a summary (packets in and out, padding
// overhead, time blocked, delay added), and with -out written to a file in
// the reference's defended-trace format, "time_ns,sn|sp|rn|rp,514" lines.
//
// The machines' randomness comes from -seed (1 by default), so the same
// flags always give the same output. Without -machines, simulate runs two
// built-in machines, a padder and a blocker; without -trace, a synthetic
// page load; "maybenot simulate -h" describes both. A run that would never
// end, because the machines keep acting without letting time pass, stops
// with an error.
//
// Exit status: 0 on success, 1 when the input is invalid or a file cannot
// be read or written, 2 for a usage error (an unknown command or flag, or
// a wrong number of arguments).
package main
