package config

import (
	"fmt"
	"reflect"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// aliases are short flags kept for the sweeper's cron lines: alias → key.
var aliases = map[string]map[string]string{
	"sweeper": {"once": "sweeper.once", "interval": "sweeper.interval"},
}

// flagNote adds to the usage of a few flags: secrets, better left out of
// command lines that every local user can read in ps, and derived defaults.
func flagNote(key string) string {
	switch key {
	case "database.url", "webhook.secret", "mail.smtp_password":
		return "prefer the environment for secrets: command lines are visible to other users"
	case "http.public_base_url":
		return "default in development: http:// + http.addr, a wildcard host as 127.0.0.1; required (https) in production"
	case "blob.url":
		return "default in development: file://<absolute path of ./var/blobs>?create_dir=true&no_tmp_dir=true; required in production (s3:// or file:///)"
	}
	return ""
}

// Flags returns the command-line flags of process ("api", "worker",
// "sweeper" or "migrate"): --config, one flag per configuration key, named
// after the key (generated from Config, so a new setting is a flag of every
// binary without further work), and the process's aliases.
func Flags(process string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(process, pflag.ContinueOnError)
	fs.String("config", "", "path to a config file (YAML, TOML or JSON); env APPLYQ_CONFIG")
	v := viper.New()
	setDefaults(v)
	for _, s := range settings() {
		usage := "env " + EnvName(s.key)
		if note := flagNote(s.key); note != "" {
			usage += " (" + note + ")"
		}
		switch s.typ {
		case reflect.TypeOf(time.Duration(0)):
			fs.Duration(s.key, v.GetDuration(s.key), usage)
		case reflect.TypeOf(""):
			fs.String(s.key, v.GetString(s.key), usage)
		case reflect.TypeOf(false):
			fs.Bool(s.key, v.GetBool(s.key), usage)
		case reflect.TypeOf(0):
			fs.Int(s.key, v.GetInt(s.key), usage)
		case reflect.TypeOf(int32(0)):
			fs.Int32(s.key, v.GetInt32(s.key), usage)
		case reflect.TypeOf(int64(0)):
			fs.Int64(s.key, v.GetInt64(s.key), usage)
		case reflect.TypeOf(float64(0)):
			fs.Float64(s.key, v.GetFloat64(s.key), usage)
		case reflect.TypeOf([]string(nil)):
			fs.StringSlice(s.key, v.GetStringSlice(s.key), usage+" (comma-separated)")
		default:
			panic(fmt.Sprintf("config: no flag type for %s (%s)", s.key, s.typ))
		}
	}
	for alias, key := range aliases[process] {
		usage := "same as --" + key
		switch s := fs.Lookup(key).Value.Type(); s {
		case "bool":
			fs.Bool(alias, v.GetBool(key), usage)
		case "duration":
			fs.Duration(alias, v.GetDuration(key), usage)
		default:
			panic("config: no alias of type " + s)
		}
	}
	return fs
}

type setting struct {
	key string
	typ reflect.Type
}

// settings lists every key of Config with its Go type, in field order.
func settings() []setting {
	var out []setting
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			key := prefix + f.Tag.Get("mapstructure")
			if f.Type.Kind() == reflect.Struct {
				walk(key+".", f.Type)
				continue
			}
			out = append(out, setting{key: key, typ: f.Type})
		}
	}
	walk("", reflect.TypeOf(Config{}))
	return out
}
