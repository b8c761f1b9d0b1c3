package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/internal/testport"
)

func TestTargetPolicy(t *testing.T) {
	tests := []struct {
		addr    string
		refused bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"10.0.0.1", true},
		{"172.16.5.4", true},
		{"192.168.1.1", true},
		{"100.64.0.1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"64:ff9b::a00:1", true}, // NAT64 of 10.0.0.1
		{"2002:a00:1::1", true},  // 6to4 of 10.0.0.1
		// The rest of the IANA special-purpose registries (RFC 6890).
		{"192.0.0.9", true},                            // PCP anycast
		{"192.0.0.170", true},                          // NAT64 discovery
		{"192.0.2.1", true},                            // TEST-NET-1
		{"192.31.196.1", true},                         // AS112-v4
		{"192.52.193.1", true},                         // AMT
		{"192.88.99.1", true},                          // 6to4 relay anycast
		{"198.18.0.1", true},                           // benchmarking
		{"198.19.255.254", true},                       // benchmarking
		{"198.51.100.7", true},                         // TEST-NET-2
		{"203.0.113.9", true},                          // TEST-NET-3
		{"240.0.0.1", true},                            // reserved
		{"::7f00:1", true},                             // IPv4-compatible ::127.0.0.1
		{"::a9fe:a9fe", true},                          // IPv4-compatible ::169.254.169.254
		{"::808:808", true},                            // IPv4-compatible, even of a public address (deprecated form)
		{"64:ff9b:1::1", true},                         // local-use NAT64
		{"64:ff9b::7f00:1", true},                      // NAT64 of 127.0.0.1
		{"100::1", true},                               // discard-only
		{"100::1:0:0:1", true},                         // dummy prefix
		{"2001::1", true},                              // Teredo
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", true}, // Teredo (RFC 4380 example)
		{"2001:1::1", true},                            // PCP anycast
		{"2001:2::1", true},                            // benchmarking
		{"2001:3::1", true},                            // AMT
		{"2001:4:112::1", true},                        // AS112-v6
		{"2001:10::1", true},                           // ORCHID
		{"2001:20::1", true},                           // ORCHIDv2
		{"2001:db8::1", true},                          // documentation
		{"2620:4f:8000::1", true},                      // AS112 direct delegation
		{"3fff::1", true},                              // documentation
		{"5f00::1", true},                              // SRv6 SIDs
		{"fec0::1", true},                              // site-local
		{"2002:7f00:1::1", true},                       // 6to4 of 127.0.0.1
		{"8.8.8.8", false},
		{"192.0.1.1", false},
		{"198.20.0.1", false},
		{"2001:200::1", false}, // just past 2001::/23
		{"2606:4700:4700::1111", false},
		{"2002:808:808::1", false}, // 6to4 of a public address
		{"1.1.1.1", false},
		{"2001:4860:4860::8888", false},
		{"::ffff:8.8.8.8", false},
	}
	var p targetPolicy
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			err := p.check(netip.MustParseAddr(tc.addr))
			if tc.refused {
				require.ErrorIs(t, err, ErrRefusedTarget)
			} else {
				require.NoError(t, err)
			}
		})
	}
	allowed := targetPolicy{allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	require.NoError(t, allowed.check(netip.MustParseAddr("10.0.0.1")))
	require.NoError(t, allowed.check(netip.MustParseAddr("::ffff:10.0.0.1")))
	require.ErrorIs(t, allowed.check(netip.MustParseAddr("169.254.169.254")), ErrRefusedTarget)
}

// TestDialRefusesBeforeConnect sends the webhook client itself to refused
// addresses. The check runs in net.Dialer.Control, before the socket
// connects; should an address wrongly pass, the test hook stops the dial
// there, so this test never sends a packet anywhere.
func TestDialRefusesBeforeConnect(t *testing.T) {
	w, err := NewWebhooks(openDBT(t), WithAttemptTimeout(2*time.Second))
	require.NoError(t, err)
	var passed atomic.Int32
	w.policy.passed = func(address string) error {
		passed.Add(1)
		t.Errorf("%s passed the target check", address)
		return errors.New("test: never connect")
	}
	for _, u := range []string{"http://10.0.0.1:80/", "http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:10.0.0.1]:80/", "http://[::1]:9/", "http://127.0.0.1:9/", "http://0.0.0.0:9/", "http://[fd00::1]/"} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader("{}"))
		require.NoError(t, err)
		start := time.Now()
		_, err = w.client.Do(req)
		require.ErrorIs(t, err, ErrRefusedTarget, u)
		require.Equal(t, OutcomeRefusedTarget, outcome(0, err))
		require.Less(t, time.Since(start), time.Second, "refused at once, not after a connect timeout")
	}
	require.Zero(t, passed.Load())
}

// TestDeliveryOutcomes: a host name that resolves to loopback is refused
// when dialled (the case of DNS rebinding: a name checked at subscription
// could resolve elsewhere later); redirects are not followed; the log holds
// categories, never the receiver's status text or body.
func TestDeliveryOutcomes(t *testing.T) {
	ctx := context.Background()
	var hits, redirected atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirected.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, target.URL+"/internal", http.StatusFound)
		case "/slow":
			time.Sleep(500 * time.Millisecond)
		case "/teapot":
			http.Error(w, "SSH-2.0-OpenSSH_9.6 internal banner", http.StatusTeapot)
		case "/fail":
			http.Error(w, "internal stack trace", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	closed, err := testport.Free()
	require.NoError(t, err)

	tests := []struct {
		name     string
		url      string
		allow    bool
		want     string
		wantHits int32
	}{
		{"name resolving to loopback", "http://localhost:" + port + "/", false, OutcomeRefusedTarget, 0},
		{"allow-listed", srv.URL + "/", true, OutcomeDelivered, 1},
		{"redirect not followed", srv.URL + "/redirect", true, OutcomeRedirect, 1},
		{"timeout", srv.URL + "/slow", true, OutcomeTimeout, 1},
		{"4xx", srv.URL + "/teapot", true, OutcomeHTTP4xx, 1},
		{"5xx", srv.URL + "/fail", true, OutcomeHTTP5xx, 1},
		{"connection refused", "http://" + closed + "/", true, OutcomeConnectFailed, 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			opts := []Option{WithAttemptTimeout(200 * time.Millisecond), WithMaxAttempts(1)}
			if tc.allow {
				opts = append(opts, loopback)
			}
			w, err := NewWebhooks(openDBT(t), opts...)
			require.NoError(t, err)
			require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s", URL: tc.url, Secret: secret}))
			_, err = w.Publish(ctx, Event{ID: "e" + string(rune('a'+i)), Type: "t", Payload: json.RawMessage(`{}`)})
			require.NoError(t, err)
			_, err = w.DeliverDue(ctx)
			require.NoError(t, err)
			ds, _, err := w.Deliveries(ctx, "", 10)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.Len(t, ds[0].Attempts, 1)
			require.Equal(t, tc.want, ds[0].Attempts[0].Outcome)
			require.Equal(t, tc.wantHits, hits.Load())
			raw, err := json.Marshal(ds)
			require.NoError(t, err)
			for _, leak := range []string{`"http_status"`, `"error"`, "banner", "stack trace", "connection refused", "127.0.0.1:"} {
				if strings.Contains(string(raw), leak) && !strings.Contains(tc.url, leak) {
					t.Errorf("the delivery log shows %q: %s", leak, raw)
				}
			}
		})
	}
	require.Zero(t, redirected.Load(), "the redirect target was reached")
}

// TestCheckURLLegacyIPv4: IPv4 addresses written as inet_aton reads them
// (one number, hex, octal, fewer than four parts) are refused when
// subscribing, as their dotted form is; they used to pass as names (found
// by scripts/probe: http://2130706433/ got 201).
func TestCheckURLLegacyIPv4(t *testing.T) {
	tests := []struct {
		url     string
		refused bool // ErrRefusedTarget; else ErrInvalid (non-standard form) or nil
		invalid bool
	}{
		{"http://2130706433/", true, true},          // 127.0.0.1
		{"http://0x7f.1/", true, true},              // 127.0.0.1
		{"http://0x7f000001/", true, true},          // 127.0.0.1
		{"http://017700000001/", true, true},        // 127.0.0.1 in octal
		{"http://127.1/", true, true},               // 127.0.0.1
		{"http://10.1/", true, true},                // 10.0.0.1
		{"http://0xa9.0xfe.0xa9.0xfe/", true, true}, // 169.254.169.254
		{"http://0/", true, true},                   // 0.0.0.0
		{"http://134744072/", false, true},          // 8.8.8.8: public, but written oddly
		{"http://hooks.example.com/x", false, false},
		{"http://1.2.3.4.5/", false, false},  // a name
		{"http://08/", false, false},         // not octal: a name
		{"http://4294967296/", false, false}, // too big: a name
	}
	var p targetPolicy
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			err := p.checkURL(tc.url)
			switch {
			case tc.refused:
				require.ErrorIs(t, err, ErrRefusedTarget)
				require.ErrorIs(t, err, ErrInvalid)
			case tc.invalid:
				require.ErrorIs(t, err, ErrInvalid)
				require.NotErrorIs(t, err, ErrRefusedTarget)
				require.Contains(t, err.Error(), "8.8.8.8")
			default:
				require.NoError(t, err)
			}
		})
	}
	allowed := targetPolicy{allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	err := allowed.checkURL("http://2130706433/")
	require.ErrorIs(t, err, ErrInvalid, "allow-listed, but still written as a dotted quad")
	require.NotErrorIs(t, err, ErrRefusedTarget)
}
