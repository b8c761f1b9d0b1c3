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
		{"8.8.8.8", false},
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
