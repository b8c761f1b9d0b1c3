package config

import (
	"time"
)

// Verify modes of [Anchor.Verify].
const (
	AnchorVerifyClaim  = "claim"  // accept anchored records as the anchoring org's signed claim
	AnchorVerifyFabric = "fabric" // also read each anchor back from Fabric, off consensus, and alarm on a mismatch
)

// Anchor configures anchoring checkpoints to a Fabric channel
// (docs/anchoring.md). Which organisation anchors, and to which network,
// channel and chaincode, is in genesis (app_state.anchoring): the app checks
// anchored records against it. This section is each node's own part: whether
// it submits, how often, and how it reaches Fabric.
type Anchor struct {
	// Enable makes this node submit checkpoints; its org must be the genesis
	// anchoring org.
	Enable bool `toml:"enable"`
	// Profile is the Fabric connection profile with a sealchain section;
	// relative paths are under the node home.
	Profile string `toml:"profile"`
	// FabricSDKHelper is the sealchain-fabricsdk binary for profiles whose
	// client is fabric-sdk (empty: looked up in PATH).
	FabricSDKHelper string `toml:"fabric_sdk_helper"`
	// EveryBlocks anchors when the chain has grown this many heights past the
	// last anchored one; Every anchors when this much time has passed and the
	// chain has grown at all. Either may be 0 (off), not both.
	EveryBlocks int64    `toml:"every_blocks"`
	Every       Duration `toml:"every"`
	// Verify is claim or fabric (see the constants).
	Verify string `toml:"verify"`
	// RetryMin and RetryMax bound the exponential backoff between attempts.
	RetryMin Duration `toml:"retry_min"`
	RetryMax Duration `toml:"retry_max"`
	// Timeout bounds one Fabric call (submit and wait for commit, or a read).
	Timeout Duration `toml:"timeout"`
}

// DefaultAnchor is the [anchor] section `sealchain init` writes: off.
func DefaultAnchor() Anchor {
	return Anchor{
		EveryBlocks: 100,
		Every:       Duration{time.Minute},
		Verify:      AnchorVerifyClaim,
		RetryMin:    Duration{time.Second},
		RetryMax:    Duration{time.Minute},
		Timeout:     Duration{30 * time.Second},
	}
}

func (a *Anchor) validate() error {
	if a.Verify != AnchorVerifyClaim && a.Verify != AnchorVerifyFabric {
		return keyErr("anchor.verify", "%q, want %s or %s", a.Verify, AnchorVerifyClaim, AnchorVerifyFabric)
	}
	if (a.Enable || a.Verify == AnchorVerifyFabric) && a.Profile == "" {
		return keyErr("anchor.profile", "required with enable = true or verify = %q", AnchorVerifyFabric)
	}
	if a.EveryBlocks < 0 {
		return keyErr("anchor.every_blocks", "%d, want 0 (off) or more", a.EveryBlocks)
	}
	if a.Every.Duration < 0 {
		return keyErr("anchor.every", "%s, want 0 (off) or more", a.Every)
	}
	if a.Enable && a.EveryBlocks == 0 && a.Every.Duration == 0 {
		return keyErr("anchor.every_blocks", "every_blocks and every are both 0: nothing would be anchored")
	}
	if a.RetryMin.Duration <= 0 || a.RetryMax.Duration < a.RetryMin.Duration {
		return keyErr("anchor.retry_min", "%s..%s, want 0 < retry_min <= retry_max", a.RetryMin, a.RetryMax)
	}
	if a.Timeout.Duration <= 0 {
		return keyErr("anchor.timeout", "%s, want positive", a.Timeout)
	}
	return nil
}

// anchorHeader documents the section in the file Encode writes.
const anchorHeader = `# [anchor] enable                 submit checkpoints to Fabric (this org must be genesis app_state.anchoring.org)
# [anchor] profile                Fabric connection profile with a sealchain section (docs/anchoring.md)
# [anchor] fabric_sdk_helper      sealchain-fabricsdk binary for client = fabric-sdk profiles (empty: PATH)
# [anchor] every_blocks, every    anchor after this many heights, or after this long (0: off)
# [anchor] verify                 claim (trust the anchoring org's signed record) or fabric (read each anchor
#                                 back from Fabric, off consensus; a mismatch raises an alarm)
# [anchor] retry_min, retry_max   backoff between failed attempts; timeout bounds one Fabric call
`
