package rfc6962

// dh is MustHex, short for the tables below.
func dh(s string) []byte { return MustHex(s) }

// Leaves is [C] LeafInputs.
var Leaves = [][]byte{
	dh(""),
	dh("00"),
	dh("10"),
	dh("2021"),
	dh("3031"),
	dh("40414243"),
	dh("5051525354555657"),
	dh("606162636465666768696a6b6c6d6e6f"),
}

// Roots is [C] RootHashes, indexed by tree size.
var Roots = [][]byte{
	dh("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), // [C] EmptyRootHash, line 100
	dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"), // [C] line 68
	dh("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"), // [C] line 69
	dh("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"), // [C] line 70
	dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"), // [C] line 71
	dh("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"), // [C] line 72
	dh("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"), // [C] line 73
	dh("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"), // [C] line 74
	dh("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"), // [C] line 75
}

// SM3Roots pins the SM3 roots of the trees over Leaves, by size.
//
// Derived twice, independently of Hasher/compact/proof:
//  1. Tree (tree.go), a direct transcription of RFC 6962 MTH
//     over gmsm's sm3.Sum, which TestSM3Roots also re-runs;
//  2. Python 3.11 hashlib.new("sm3") (OpenSSL 3.0.19's SM3), with
//     H = lambda b: hashlib.new("sm3", b).digest() and
//     mth(d) = H(b"") if not d else H(b"\x00"+d[0]) if len(d) == 1 else
//     H(b"\x01"+mth(d[:k])+mth(d[k:])), k the largest power of 2 < len(d).
//
// Size 0 is SM3("") from GB/T 32905-2016 / GM/T 0004-2012.
var SM3Roots = [][]byte{
	dh("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
	dh("2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf"),
	dh("0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d"),
	dh("209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56"),
	dh("28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377"),
	dh("bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b"),
	dh("8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66"),
	dh("bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2"),
	dh("bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38"),
}

// InclusionVector is one published inclusion proof over Leaves.
type InclusionVector struct {
	Desc        string
	Index, Size uint64
	Proof       [][]byte
}

// InclusionProofs are [V] inclusionProofs, with 0-based indices.
var InclusionProofs = []InclusionVector{
	{"index 0 size 1", 0, 1, nil}, // [V] line 47 {1, 1, nil}
	{"index 0 size 8", 0, 8, [][]byte{ // [V] lines 48-52 {1, 8, ...}
		dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
		dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
		dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
	}},
	{"index 5 size 8", 5, 8, [][]byte{ // [V] lines 53-57 {6, 8, ...}
		dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
		dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
		dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
	}},
	{"index 2 size 3", 2, 3, [][]byte{ // [V] lines 58-60 {3, 3, ...}
		dh("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
	}},
	{"index 1 size 5", 1, 5, [][]byte{ // [V] lines 61-65 {2, 5, ...}
		dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
		dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
		dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
	}},
}

// ConsistencyVector is one published consistency proof over Leaves.
type ConsistencyVector struct {
	Desc         string
	Size1, Size2 uint64
	Proof        [][]byte
}

// ConsistencyProofs are [V] consistencyProofs.
var ConsistencyProofs = []ConsistencyVector{
	{"1 to 1", 1, 1, nil}, // [V] line 69
	{"1 to 8", 1, 8, [][]byte{ // [V] lines 70-74
		dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
		dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
		dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
	}},
	{"6 to 8", 6, 8, [][]byte{ // [V] lines 75-79
		dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
		dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
		dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
	}},
	{"2 to 5", 2, 5, [][]byte{ // [V] lines 80-83
		dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
		dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
	}},
	{"6 to 7", 6, 7, [][]byte{ // [V] lines 84-88
		dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
		dh("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
		dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
	}},
}

// Inclusion returns the published inclusion proof for index in a tree of
// size leaves; it panics if there is none (a mistake in a test table).
func Inclusion(index, size uint64) [][]byte {
	for _, v := range InclusionProofs {
		if v.Index == index && v.Size == size {
			return v.Proof
		}
	}
	panic("rfc6962: no published inclusion proof for that index and size")
}

// Consistency returns the published consistency proof from size1 to size2;
// it panics if there is none (a mistake in a test table).
func Consistency(size1, size2 uint64) [][]byte {
	for _, v := range ConsistencyProofs {
		if v.Size1 == size1 && v.Size2 == size2 {
			return v.Proof
		}
	}
	panic("rfc6962: no published consistency proof for those sizes")
}
