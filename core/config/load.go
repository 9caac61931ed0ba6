package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable that sets a key.
const EnvPrefix = "ATRIUM_"

// EnvConfigFile names the configuration file when no -config flag is given. It
// is the one ATRIUM_ variable that is not a key.
const EnvConfigFile = "ATRIUM_CONFIG"

// Error is a configuration problem. Its message is one line that names where
// the value came from, the key, and what is allowed.
type Error struct {
	Where   string // "config.yaml:4" or "environment variable ATRIUM_SERVER_ADDRESS"
	Key     string // "server.address"
	Problem string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("configuration: %s: %s", e.Where, e.Problem)
	}
	return fmt.Sprintf("configuration: %s: %s: %s", e.Where, e.Key, e.Problem)
}

// Load starts from Default, applies the YAML file at path (when path is empty
// or the file does not exist, only if optional), then the ATRIUM_ variables in
// environ, and checks the result.
func Load(path string, optional bool, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && optional:
		case err != nil:
			return cfg, &Error{Where: path, Problem: "cannot read the file (" + rootCause(err) + "); check the path given with -config or " + EnvConfigFile}
		default:
			if err := applyYAML(&cfg, path, data); err != nil {
				return cfg, err
			}
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// key is one settable field, found by walking Config with reflection.
type key struct {
	section, name string
	field         reflect.StructField
	value         reflect.Value
}

func (k key) dotted() string { return k.section + "." + k.name }
func (k key) env() string {
	return EnvPrefix + strings.ToUpper(k.section) + "_" + strings.ToUpper(k.name)
}

// keys lists every key of cfg in declaration order, bound to cfg's fields.
func keys(cfg *Config) []key {
	var out []key
	root := reflect.ValueOf(cfg).Elem()
	for i := 0; i < root.NumField(); i++ {
		sf := root.Type().Field(i)
		section := root.Field(i)
		for j := 0; j < section.NumField(); j++ {
			out = append(out, key{
				section: sf.Tag.Get("yaml"),
				name:    section.Type().Field(j).Tag.Get("yaml"),
				field:   section.Type().Field(j),
				value:   section.Field(j),
			})
		}
	}
	return out
}

func applyYAML(cfg *Config, path string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Error{Where: path, Problem: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil // an empty file sets nothing
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return &Error{Where: where(path, top), Problem: "expected sections such as server: and database:"}
	}
	all := keys(cfg)
	for i := 0; i+1 < len(top.Content); i += 2 {
		sectionName, body := top.Content[i].Value, top.Content[i+1]
		inSection := filter(all, func(k key) bool { return k.section == sectionName })
		if len(inSection) == 0 {
			return &Error{Where: where(path, top.Content[i]), Key: sectionName, Problem: "unknown section; known sections: " + strings.Join(sections(all), ", ")}
		}
		if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
			continue
		}
		if body.Kind != yaml.MappingNode {
			return &Error{Where: where(path, body), Key: sectionName, Problem: "expected keys under the section, such as " + inSection[0].name + ":"}
		}
		for j := 0; j+1 < len(body.Content); j += 2 {
			name, value := body.Content[j].Value, body.Content[j+1]
			k, ok := find(inSection, name)
			if !ok {
				return &Error{Where: where(path, body.Content[j]), Key: sectionName + "." + name, Problem: "unknown key; known keys in " + sectionName + ": " + strings.Join(names(inSection), ", ")}
			}
			if value.Kind != yaml.ScalarNode {
				return &Error{Where: where(path, value), Key: k.dotted(), Problem: "expected a single value, " + allowed(k)}
			}
			if err := set(k, value.Value); err != nil {
				return &Error{Where: where(path, value), Key: k.dotted(), Problem: err.Error()}
			}
		}
	}
	return nil
}

func applyEnv(cfg *Config, environ []string) error {
	all := keys(cfg)
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || name == EnvConfigFile {
			continue
		}
		k, ok := findEnv(all, name)
		if !ok {
			return &Error{Where: "environment variable " + name, Problem: "no such key; variables are " + EnvPrefix + "<SECTION>_<KEY>, for example " + all[0].env()}
		}
		if err := set(k, value); err != nil {
			return &Error{Where: "environment variable " + name, Key: k.dotted(), Problem: err.Error()}
		}
	}
	return nil
}

// set parses raw into the key's field by the field's type.
func set(k key, raw string) error {
	raw = strings.TrimSpace(raw)
	switch k.value.Interface().(type) {
	case string:
		if enum := k.field.Tag.Get("enum"); enum != "" && !contains(strings.Split(enum, ","), raw) {
			return fmt.Errorf("%q is not allowed; %s", raw, allowed(k))
		}
		k.value.SetString(raw)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number; %s", raw, allowed(k))
		}
		k.value.SetInt(int64(n))
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		k.value.SetBool(b)
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration; write it like 30s, 5m or 1h30m", raw)
		}
		k.value.SetInt(int64(d))
	default:
		return fmt.Errorf("unsupported type %s", k.value.Type())
	}
	return nil
}

// allowed says what a key takes, from its type and enum tag.
func allowed(k key) string {
	if enum := k.field.Tag.Get("enum"); enum != "" {
		return "allowed: " + strings.ReplaceAll(enum, ",", ", ")
	}
	switch k.value.Interface().(type) {
	case int:
		return "a whole number"
	case bool:
		return "true or false"
	case time.Duration:
		return "a duration such as 30s"
	}
	return "a text"
}

func where(path string, n *yaml.Node) string { return fmt.Sprintf("%s:%d", path, n.Line) }

func filter(all []key, keep func(key) bool) []key {
	var out []key
	for _, k := range all {
		if keep(k) {
			out = append(out, k)
		}
	}
	return out
}

func find(all []key, name string) (key, bool) {
	for _, k := range all {
		if k.name == name {
			return k, true
		}
	}
	return key{}, false
}

func findEnv(all []key, name string) (key, bool) {
	for _, k := range all {
		if k.env() == name {
			return k, true
		}
	}
	return key{}, false
}

func names(all []key) []string {
	out := make([]string, len(all))
	for i, k := range all {
		out[i] = k.name
	}
	return out
}

func sections(all []key) []string {
	var out []string
	for _, k := range all {
		if len(out) == 0 || out[len(out)-1] != k.section {
			out = append(out, k.section)
		}
	}
	return out
}

// rootCause drops the "open <path>: " prefix the os package adds.
func rootCause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
