// Package config owns Atrium's configuration: the keys, their defaults, how a
// YAML file and ATRIUM_<SECTION>_<KEY> environment variables set them, and the
// checks that stop start-up with one clear line when a value is wrong.
//
// Example usage:
//
//	cfg, err := config.Load("config.yaml", os.Environ())
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // e.g. config.yaml:4: server.adress: unknown key …
//	}
package config

import "time"

// Config is the whole configuration. Each section is a struct whose fields carry
// the YAML key in their `yaml` tag and what the key means in their `doc` tag; the
// loader, the environment overrides and config.example.yaml all derive from them.
type Config struct {
	Server   Server   `yaml:"server"`
	Database Database `yaml:"database"`
	Log      Log      `yaml:"log"`
	I18n     I18n     `yaml:"i18n"`
	Theme    Theme    `yaml:"theme"`
}

// Server holds the HTTP listener's settings.
type Server struct {
	Address         string        `yaml:"address" doc:"host:port the web server listens on"`
	BaseURL         string        `yaml:"base_url" doc:"the address people use to reach Atrium, used in links sent by mail"`
	ReadTimeout     time.Duration `yaml:"read_timeout" doc:"longest time to read one request, headers and body"`
	WriteTimeout    time.Duration `yaml:"write_timeout" doc:"longest time to write one response"`
	IdleTimeout     time.Duration `yaml:"idle_timeout" doc:"how long an idle keep-alive connection stays open"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" doc:"how long a graceful shutdown waits for requests in flight"`
	BodyLimitMB     int           `yaml:"body_limit_mb" doc:"largest request body in mebibytes"`
	RateLimit       int           `yaml:"rate_limit" doc:"unsafe requests (POST, PUT, PATCH, DELETE) per minute from one address"`
	TrustProxy      bool          `yaml:"trust_proxy" doc:"take the client address from X-Forwarded-For (only behind your own proxy)"`
	HSTS            bool          `yaml:"hsts" doc:"send Strict-Transport-Security (only when served over HTTPS)"`
}

// Database selects and tunes the database.
type Database struct {
	URL          string        `yaml:"url" doc:"file:<path> for the embedded SQLite database, postgres://user@host:port/db for PostgreSQL"`
	MaxOpenConns int           `yaml:"max_open_conns" doc:"most connections open at once (PostgreSQL)"`
	BusyTimeout  time.Duration `yaml:"busy_timeout" doc:"how long SQLite waits for a lock before giving up"`
}

// Log chooses how much is logged and in which form.
type Log struct {
	Level  string `yaml:"level" doc:"debug, info, warn or error" enum:"debug,info,warn,error"`
	Format string `yaml:"format" doc:"text for people, json for log collectors" enum:"text,json"`
}

// I18n holds language settings.
type I18n struct {
	DefaultLocale string `yaml:"default_locale" doc:"language used when neither the person nor the browser chooses one" enum:"en,nl"`
}

// Theme chooses the look.
type Theme struct {
	Name string `yaml:"name" doc:"theme folder under themes/" enum:"default"`
}

// Default returns the configuration Atrium runs with when nothing is set: the
// embedded SQLite database in data/ and a server on the loopback address.
func Default() Config {
	return Config{
		Server: Server{
			Address:         "127.0.0.1:8080",
			BaseURL:         "http://127.0.0.1:8080",
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			IdleTimeout:     2 * time.Minute,
			ShutdownTimeout: 10 * time.Second,
			BodyLimitMB:     8,
			RateLimit:       120,
		},
		Database: Database{
			URL:          "file:data/atrium.db",
			MaxOpenConns: 20,
			BusyTimeout:  5 * time.Second,
		},
		Log:   Log{Level: "info", Format: "text"},
		I18n:  I18n{DefaultLocale: "en"},
		Theme: Theme{Name: "default"},
	}
}
