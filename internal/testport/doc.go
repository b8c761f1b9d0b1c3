// Package testport hands out 127.0.0.1 ports for tests and tools that start
// nodes. Ports come from below the kernel's ephemeral range (32768–60999 on
// Linux), so the outgoing connections of other tests running at the same
// time cannot take a port between the moment it is picked and the moment the
// node binds it, as happens with ports from listening on :0.
package testport
