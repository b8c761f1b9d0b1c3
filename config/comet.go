package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	cmtcfg "github.com/cometbft/cometbft/config"
)

// CometPath is CometBFT's own config file, <home>/config/config.toml.
func CometPath(home string) string {
	return filepath.Join(home, cmtcfg.DefaultConfigDir, cmtcfg.DefaultConfigFileName)
}

// LoadComet reads <home>/config/config.toml onto CometBFT's defaults. Keys
// in the file that CometBFT does not know are rejected, since a silently
// ignored typo in a consensus setting is worse than a refusal to start. The
// result is not rooted at home nor validated: node/comet does both after
// applying the [consensus] overrides.
func LoadComet(home string) (*cmtcfg.Config, error) {
	path := CometPath(home)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load comet config: %w", err)
	}
	conf := cmtcfg.DefaultConfig()
	if err := DecodeComet(b, conf); err != nil {
		return nil, fmt.Errorf("load comet config %s: %w", path, err)
	}
	return conf, nil
}

// DecodeComet fills conf from a CometBFT config.toml. CometBFT itself
// loads the file with viper and mapstructure, which are not dependencies
// here, so this walks the `mapstructure` tags the same way, including the
// weak typing CometBFT's own template relies on: some integers are written
// as quoted strings (compaction_interval, chunk_fetchers) and
// statesync.rpc_servers is a comma-separated string for a []string field.
func DecodeComet(data []byte, conf *cmtcfg.Config) error {
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("parse toml: %w", err)
	}
	return decodeTOMLTable(raw, reflect.ValueOf(conf).Elem(), "")
}

func decodeTOMLTable(table map[string]any, v reflect.Value, prefix string) error {
	known := make(map[string]bool)
	if err := decodeTOMLFields(table, v, prefix, known); err != nil {
		return err
	}
	var unknown []string
	for k := range table {
		if !known[k] {
			unknown = append(unknown, prefix+k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

func decodeTOMLFields(table map[string]any, v reflect.Value, prefix string, known map[string]bool) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opt, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if opt == "squash" {
			if err := decodeTOMLFields(table, v.Field(i), prefix, known); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		raw, ok := table[name]
		if !ok {
			continue
		}
		known[name] = true
		if err := decodeTOMLValue(raw, v.Field(i), prefix+name); err != nil {
			return err
		}
	}
	return nil
}

func decodeTOMLValue(raw any, v reflect.Value, key string) error {
	bad := func() error { return fmt.Errorf("%s: cannot use %T value %v as %s", key, raw, raw, v.Type()) }
	if v.Type() == reflect.TypeFor[time.Duration]() {
		switch r := raw.(type) {
		case string:
			d, err := time.ParseDuration(r)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			v.SetInt(int64(d))
		case int64:
			v.SetInt(r)
		default:
			return bad()
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem().Kind() != reflect.Struct {
			return bad()
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeTOMLValue(raw, v.Elem(), key)
	case reflect.Struct:
		table, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		return decodeTOMLTable(table, v, key+".")
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return bad()
		}
		v.SetString(s)
	case reflect.Bool:
		switch r := raw.(type) {
		case bool:
			v.SetBool(r)
		case string:
			b, err := strconv.ParseBool(r)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			v.SetBool(b)
		default:
			return bad()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		switch r := raw.(type) {
		case int64:
			n = r
		case string:
			var err error
			if n, err = strconv.ParseInt(strings.TrimSpace(r), 10, 64); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		default:
			return bad()
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("%s: %d overflows %s", key, n, v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var n uint64
		switch r := raw.(type) {
		case int64:
			if r < 0 {
				return fmt.Errorf("%s: negative value %d", key, r)
			}
			n = uint64(r)
		case string:
			var err error
			if n, err = strconv.ParseUint(strings.TrimSpace(r), 10, 64); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		default:
			return bad()
		}
		if v.OverflowUint(n) {
			return fmt.Errorf("%s: %d overflows %s", key, n, v.Type())
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		switch r := raw.(type) {
		case float64:
			v.SetFloat(r)
		case int64:
			v.SetFloat(float64(r))
		default:
			return bad()
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return bad()
		}
		var out []string
		switch r := raw.(type) {
		case []any:
			for i, e := range r {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s[%d]: cannot use %T as string", key, i, e)
				}
				out = append(out, s)
			}
		case string:
			for _, s := range strings.Split(r, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		default:
			return bad()
		}
		v.Set(reflect.ValueOf(out).Convert(v.Type()))
	default:
		return bad()
	}
	return nil
}
