package testport

import (
	"fmt"
	"math/rand/v2"
	"net"
)

const (
	low  = 20000
	high = 32000
)

// Free returns a 127.0.0.1:port that could be bound a moment ago.
func Free() (string, error) {
	p, err := Block(1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}

// Block returns a port p such that p .. p+n-1 could all be bound a moment ago.
func Block(n int) (int, error) {
	for try := 0; try < 200; try++ {
		base := low + rand.IntN(high-low-n)
		ok := true
		for p := base; p < base+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no block of %d free ports in %d..%d", n, low, high)
}
