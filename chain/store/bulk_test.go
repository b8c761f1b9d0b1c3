package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

const bulkChain = "sealchain-bulk"

// TestBulkMatchesApp fills one store through the app's FinalizeBlock and
// Commit and another with the BulkLoader, from the same genesis and the same
// blocks of contract_created txs, and checks that they hold the same
// checkpoint (log root, state root, app hash) at every height and the same
// entries, state and index contents.
func TestBulkMatchesApp(t *testing.T) {
	const records, perBlock = 2000, 250
	ctx := context.Background()
	net := fixture.New(t, bulkChain)
	org := net.Orgs[0]
	alice := org.Signer(t, signer.AlgSM2, time.Time{})
	start := fixture.Epoch.Add(time.Hour)
	blockTime := func(h int64) time.Time { return start.Add(time.Duration(h) * time.Second) }

	// Both stores get genesis and the signer's certificate through the app.
	open := func() (*store.Store, *app.App) {
		store, err := store.Open(t.TempDir(), nil)
		require.NoError(t, err)
		t.Cleanup(func() { store.Close() })
		a, err := app.New(store, bulkChain)
		require.NoError(t, err)
		_, err = a.InitChain(ctx, &abci.InitChainRequest{ChainId: bulkChain, Time: fixture.Epoch, AppStateBytes: net.GenesisState(t)})
		require.NoError(t, err)
		return store, a
	}
	finalize := func(a *app.App, h int64, txs [][]byte) {
		res, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: h, Time: blockTime(h), Txs: txs})
		require.NoError(t, err)
		for i, r := range res.TxResults {
			require.Zero(t, r.Code, "height %d tx %d: %s", h, i, r.Log)
		}
		_, err = a.Commit(ctx, &abci.CommitRequest{})
		require.NoError(t, err)
	}
	viaApp, appA := open()
	bulk, appB := open()
	certTx := org.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil)
	finalize(appA, 1, [][]byte{certTx})
	finalize(appB, 1, [][]byte{certTx})

	var txs [][]byte
	var bodies []*chain.ContractCreated
	for i := range records {
		c := fixture.Contract(fmt.Sprintf("bulk-%d", i), fmt.Sprintf("document %d", i), chain.OrderSequential, alice)
		bodies = append(bodies, c)
		txs = append(txs, org.Tx(t, c, nil))
	}
	var appCPs []chain.Checkpoint
	for h, off := int64(2), 0; off < len(txs); h, off = h+1, off+perBlock {
		finalize(appA, h, txs[off:off+perBlock])
		appCPs = append(appCPs, viaApp.Last())
	}

	l := bulk.NewBulkLoader()
	for h, off := int64(2), 0; off < len(txs); h, off = h+1, off+perBlock {
		cp, err := l.Block(h, blockTime(h), func(b *store.Block) error {
			for i, raw := range txs[off : off+perBlock] {
				tx, err := chain.DecodeTx(raw)
				if err != nil {
					return err
				}
				if err := store.BulkContractCreated(b, uint32(i), raw, tx); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, appCPs[h-2], cp, "checkpoint at height %d", h)
	}
	require.NoError(t, l.Flush())
	require.Equal(t, viaApp.Last(), bulk.Last())
	require.Equal(t, uint64(1+records), bulk.Last().LogSize)

	va, vb := viaApp.View(), bulk.View()
	for h := int64(0); h <= viaApp.Last().Height; h++ {
		ca, err := va.Checkpoint(h)
		require.NoError(t, err)
		cb, err := vb.Checkpoint(h)
		require.NoError(t, err)
		require.Equal(t, ca, cb, "stored checkpoint %d", h)
	}
	q := store.Query{Limit: 10, UpTo: bulk.Last().LogSize}
	for i, c := range bodies {
		for _, doc := range [][]byte{c.DocSM3, c.DocSHA256} {
			pa, err := va.ByDoc(doc, q)
			require.NoError(t, err)
			pb, err := vb.ByDoc(doc, q)
			require.NoError(t, err)
			require.Equal(t, pa, pb, "doc index of record %d", i)
			require.Len(t, pb.Indexes, 1)
		}
		pa, err := va.ByContract(c.Contract, q)
		require.NoError(t, err)
		pb, err := vb.ByContract(c.Contract, q)
		require.NoError(t, err)
		require.Equal(t, pa, pb, "contract index of record %d", i)
		sa, _, err := va.Contract(c.Contract)
		require.NoError(t, err)
		sb, ok, err := vb.Contract(c.Contract)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, sa, sb, "contract state %d", i)
		h := chain.TxHash(txs[i])
		ia, _, err := va.TxLogIndex(h)
		require.NoError(t, err)
		ib, ok, err := vb.TxLogIndex(h)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, ia, ib)
		ea, err := va.Entry(ib)
		require.NoError(t, err)
		eb, err := vb.Entry(ib)
		require.NoError(t, err)
		require.Equal(t, ea, eb, "entry %d", ib)
	}
	all := store.Query{Limit: 3 * records, UpTo: bulk.Last().LogSize}
	ta, err := va.ByTime(start, blockTime(100), all)
	require.NoError(t, err)
	tb, err := vb.ByTime(start, blockTime(100), all)
	require.NoError(t, err)
	require.Equal(t, ta, tb, "time index")
	require.Len(t, tb.Indexes, 1+records)
	pa, err := viaApp.InclusionProof(1234, viaApp.Last().LogSize)
	require.NoError(t, err)
	pb, err := bulk.InclusionProof(1234, bulk.Last().LogSize)
	require.NoError(t, err)
	require.Equal(t, pa, pb)
}
