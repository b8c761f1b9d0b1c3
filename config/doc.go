// Package config owns a Sealchain node's configuration: the TOML file under
// <home>/config, its defaults, and validation that names the offending key.
// CometBFT's own config.toml sits beside it; the [consensus] keys here
// override it so an operator changes one file for the common settings.
// [LoadComet] decodes config.toml strictly (unknown keys are refused) for
// node/comet, which applies those overrides.
package config
