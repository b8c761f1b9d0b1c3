package pki

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer/tsa"
)

// Recorder submits a timestamp_issued record (chain.TimestampIssued) and
// returns once the chain has accepted it for a block (the node's batching
// submitter), or with why not.
type Recorder func(ctx context.Context, b *chain.TimestampIssued) error

// ErrRecordingOff is what a Recorder returns when the chain cannot hold
// the record (rules version below chain.RulesVersion4): the token is
// issued unrecorded.
var ErrRecordingOff = errors.New("pki: the chain's rules version does not record time stamps yet")

// recordQueue bounds the tokens issued but not yet handed to the
// submitter. A full queue refuses new tokens (failInfo systemFailure): the
// TSA never releases a token it cannot record, and an unauthenticated
// client cannot grow the backlog without bound.
const recordQueue = 4096

// recordWorkers is how many records are in the submitter at once: enough
// to fill a batch while one is being sent.
const recordWorkers = 64

type recorder struct {
	rec   Recorder
	queue chan *chain.TimestampIssued
	wg    sync.WaitGroup
}

func newRecorder(r Recorder) *recorder {
	if r == nil {
		return nil
	}
	return &recorder{rec: r, queue: make(chan *chain.TimestampIssued, recordQueue)}
}

// enqueue is false when the queue is full.
func (r *recorder) enqueue(b *chain.TimestampIssued) bool {
	select {
	case r.queue <- b:
		return true
	default:
		return false
	}
}

// Run submits the queued records until ctx ends, then drains what is
// queued with a short deadline. The node runs it in the background.
func (s *Service) Run(ctx context.Context) {
	r := s.rec
	if r == nil {
		return
	}
	sem := make(chan struct{}, recordWorkers)
	send := func(b *chain.TimestampIssued) {
		defer r.wg.Done()
		defer func() { <-sem }()
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := r.rec(c, b); err != nil && !errors.Is(err, ErrRecordingOff) {
			s.c.Logger.Error("timestamp_issued not recorded", "token_sm3", fmt.Sprintf("%x", b.TokenSM3), "err", err)
		}
	}
	for {
		select {
		case b := <-r.queue:
			sem <- struct{}{}
			r.wg.Add(1)
			go send(b)
		case <-ctx.Done():
			for {
				select {
				case b := <-r.queue:
					sem <- struct{}{}
					r.wg.Add(1)
					go send(b)
				default:
					r.wg.Wait()
					return
				}
			}
		}
	}
}

// grant issues a token for req with genTime at, the block time of the
// commit of committed, and queues its timestamp_issued record. With a
// recorder whose queue is full the answer is a rejection (systemFailure)
// and the token is dropped.
func (s *Service) grant(req *tsa.Request, a *tsa.Authority, at time.Time, committed []byte) ([]byte, error) {
	serial, err := randSerial(s.c.Rand)
	if err != nil {
		return nil, err
	}
	resp, err := tsa.Grant(req, a, tsa.Issue{Policy: s.c.Policy, GenTime: at, Serial: serial}, s.c.Rand)
	if err != nil || s.rec == nil {
		return resp, err
	}
	token, err := TokenOf(resp)
	if err != nil {
		return nil, err
	}
	alg := chain.TimestampSHA256
	if req.HashAlg.Equal(tsa.OIDSM3) {
		alg = chain.TimestampSM3
	}
	ts := sm3.Sum(token)
	b := &chain.TimestampIssued{TokenSM3: ts[:], HashAlg: alg, StampedHash: req.Hash, CommittedHash: committed,
		GenTime: at.UnixNano(), TSACert: chain.FingerprintOf(a.Certs[0].Raw)}
	if !s.rec.enqueue(b) {
		return tsa.Rejection(tsa.FailSystemFailure, "too many time stamps waiting to be recorded on chain; retry shortly")
	}
	return resp, nil
}
