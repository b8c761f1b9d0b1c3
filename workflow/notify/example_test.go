package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sealchain/sealchain/workflow/notify"
)

// A receiver checks each webhook against the shared secret before trusting
// it.
func ExampleVerify() {
	secret := []byte("the subscription's secret")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := notify.Verify(secret, r.Header.Get(notify.HeaderSignature), body, time.Now(), notify.DefaultTolerance); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		fmt.Println("accepted", r.Header.Get(notify.HeaderEvent), string(body))
		w.WriteHeader(http.StatusNoContent)
	})

	body := `{"contract":"c-1"}`
	for _, key := range [][]byte{secret, []byte("a forger's guess")} {
		req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
		req.Header.Set(notify.HeaderEvent, "contract.signed")
		req.Header.Set(notify.HeaderSignature, notify.Sign(key, time.Now(), []byte(body)))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// accepted contract.signed {"contract":"c-1"}
	// 204
	// 401
}
