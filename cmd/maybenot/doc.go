// Command maybenot inspects and converts Maybenot machines.
//
// A Maybenot machine is a small probabilistic state machine that tells a
// VPN or proxy when to send padding packets and when to hold back outgoing
// traffic, to hide what the traffic is. Machines travel as machine strings
// ("02" followed by base64). This command shows what a machine does,
// and converts it to and from a JSON form people can read and write.
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
// Exit status: 0 on success, 1 when the input is invalid or a file cannot
// be read or written, 2 for a usage error (an unknown command or flag, or
// a wrong number of arguments).
package main
