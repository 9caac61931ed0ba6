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
	Security Security `yaml:"security"`
	Identity Identity `yaml:"identity"`
	Mail     Mail     `yaml:"mail"`
	Plugins  Plugins  `yaml:"plugins"`
	Privacy  Privacy  `yaml:"privacy"`
	Files    Files    `yaml:"files"`
	Events   Events   `yaml:"events"`
}

// Events says how long the event log keeps what happened.
type Events struct {
	KeepDays int `yaml:"keep_days" zero:"off" doc:"days the event log keeps an event, for modules that start later and read the history (0: for ever)"`
}

// Files says where uploaded files are kept and how much anyone may upload.
type Files struct {
	Dir         string `yaml:"dir" doc:"folder that keeps uploaded files when no S3-compatible store is set"`
	MaxFileMB   int    `yaml:"max_file_mb" doc:"largest file anyone may upload, in MiB; a subscription or a module may allow less"`
	QuotaMB     int    `yaml:"quota_mb" doc:"storage a subscription includes unless the operator sets another amount, in MiB, shared by the subscriber's whole tree"`
	S3Endpoint  string `yaml:"s3_endpoint" doc:"host:port of an S3-compatible store (AWS, MinIO, SeaweedFS, Garage, …); empty: keep files in dir. Several instances need one"`
	S3Bucket    string `yaml:"s3_bucket" doc:"the bucket files go into; created when missing"`
	S3Region    string `yaml:"s3_region" doc:"the store's region, where it asks for one"`
	S3AccessKey string `yaml:"s3_access_key" doc:"the access key id; empty: anonymous requests"`
	S3SecretKey string `yaml:"s3_secret_key" doc:"the secret access key"`
	S3TLS       bool   `yaml:"s3_tls" doc:"reach the store over HTTPS"`
	S3Prefix    string `yaml:"s3_prefix" doc:"a folder inside the bucket, for a bucket shared with other data"`
}

// Privacy holds the rules for erasing people.
type Privacy struct {
	RetentionDays int `yaml:"retention_days" zero:"off" doc:"days after a person's last trajectory ends during which their records must be kept and cannot be erased (0: no such rule; care records often need years)"`
}

// Server holds the HTTP listener's settings.
type Server struct {
	Address         string        `yaml:"address" doc:"host:port the web server listens on"`
	MetricsAddress  string        `yaml:"metrics_address" doc:"host:port that answers Prometheus at /metrics, apart from the web server; keep it on loopback or a private network; empty: no metrics"`
	BaseURL         string        `yaml:"base_url" doc:"the address people use to reach Atrium, used in links sent by mail"`
	ReadTimeout     time.Duration `yaml:"read_timeout" doc:"longest time to read one request, headers and body"`
	WriteTimeout    time.Duration `yaml:"write_timeout" doc:"longest time to write one response"`
	IdleTimeout     time.Duration `yaml:"idle_timeout" doc:"how long an idle keep-alive connection stays open"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" doc:"how long a graceful shutdown waits for requests in flight"`
	BodyLimitMB     int           `yaml:"body_limit_mb" doc:"largest request body in mebibytes"`
	RateLimit       int           `yaml:"rate_limit" doc:"unsafe requests (POST, PUT, PATCH, DELETE) per minute from one person signed in, or from one address"`
	ProtocolWrites  int           `yaml:"protocol_writes" doc:"writes (PUT, DELETE, PROPPATCH) per minute from one app password at a protocol endpoint such as CalDAV"`
	TrustProxy      bool          `yaml:"trust_proxy" doc:"take the client address from X-Forwarded-For (only behind your own proxy)"`
	HSTS            bool          `yaml:"hsts" doc:"send Strict-Transport-Security (only when served over HTTPS)"`
	AwayAfter       time.Duration `yaml:"away_after" doc:"how long a person's tabs stay hidden before others see them as away"`
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

// Security holds the key that protects secrets at rest.
type Security struct {
	SecretKey string `yaml:"secret_key" doc:"64 hex digits (32 bytes) that encrypt secrets at rest, such as authenticator keys; empty: use key_file"`
	KeyFile   string `yaml:"key_file" doc:"file holding the key when secret_key is empty; created with a new random key on first start"`
}

// Identity holds the sign-in rules.
type Identity struct {
	PasswordMinLength    int           `yaml:"password_min_length" doc:"fewest characters in a password"`
	PasswordClasses      int           `yaml:"password_classes" doc:"how many of lower case, upper case, digits and other characters a password needs (1 to 4)"`
	PasswordHistory      int           `yaml:"password_history" doc:"a new password must differ from this many previous ones"`
	Argon2MemoryKiB      int           `yaml:"argon2_memory_kib" doc:"argon2id memory per password check, in KiB; hashes are renewed at sign-in when this changes"`
	Argon2Time           int           `yaml:"argon2_time" doc:"argon2id passes per password check"`
	Argon2Threads        int           `yaml:"argon2_threads" doc:"argon2id lanes per password check"`
	PasswordChecksAtOnce int           `yaml:"password_checks_at_once" zero:"cpus" doc:"most password hashes computed at the same time, each taking argon2_memory_kib (others wait their turn); 0: one per CPU"`
	InvitationValidity   time.Duration `yaml:"invitation_validity" doc:"how long an invitation link works"`
	ResetValidity        time.Duration `yaml:"reset_validity" doc:"how long a password reset link works"`
	RequireSecondFactor  bool          `yaml:"require_second_factor" doc:"everyone must set up an authenticator app before using Atrium"`
	ThrottleAfter        int           `yaml:"throttle_after" doc:"failed sign-ins (per account, per browser the account knows, and per address) before each next try must wait, doubling up to 15 minutes"`
	LockoutAfter         int           `yaml:"lockout_after" doc:"failed sign-ins from browsers the account does not know after which such sign-ins stop until the owner resets the password by mail or an administrator unlocks; browsers the owner signed in on before are never locked out"`
	SessionIdle          time.Duration `yaml:"session_idle" doc:"a session ends after this long without a request"`
	SessionMax           time.Duration `yaml:"session_max" doc:"a session ends this long after sign-in, whatever happens"`
	TermsURL             string        `yaml:"terms_url" doc:"the terms people accept when they first sign in; empty: the built-in terms page"`
}

// Mail holds the outgoing mail server.
type Mail struct {
	SMTPHost    string `yaml:"smtp_host" doc:"mail server; empty: mails stay in the outbox, shown on the development mail page and their links logged"`
	SMTPPort    int    `yaml:"smtp_port" doc:"mail server port"`
	TLS         string `yaml:"tls" doc:"none, starttls or tls (implicit TLS, usually port 465)" enum:"none,starttls,tls"`
	Username    string `yaml:"username" doc:"mail server user name; empty: no authentication"`
	Password    string `yaml:"password" doc:"mail server password"`
	From        string `yaml:"from" doc:"sender address of every mail"`
	MaxAttempts int    `yaml:"max_attempts" doc:"tries per mail before it is given up, with growing pauses between them"`
}

// Plugins configures the plugin host.
type Plugins struct {
	Dir            string        `yaml:"dir" doc:"folder with plugin binaries, one per module"`
	TrustFile      string        `yaml:"trust_file" doc:"the operator's list of allowed plugin binaries (SHA-256) and disabled plugins; edit with atrium plugin"`
	CallTimeout    time.Duration `yaml:"call_timeout" doc:"longest time a plugin may take to answer a page, and its health check: one that misses the health check is killed and restarted"`
	SlotTimeout    time.Duration `yaml:"slot_timeout" doc:"longest time a plugin may take to fill a place on a core page; a late one is left out"`
	HealthInterval time.Duration `yaml:"health_interval" doc:"how often the host checks that each plugin answers"`
	TickEvery      time.Duration `yaml:"tick_every" doc:"how often plugins do work that falls due by the clock, such as reminders"`
	MaxRestarts    int           `yaml:"max_restarts" doc:"restarts within ten minutes after which a crashing plugin is marked failed"`
	MemoryMB       int           `yaml:"memory_mb" doc:"most memory (data segment) a plugin process may use, in MiB"`
	OpenFiles      int           `yaml:"open_files" doc:"most files a plugin process may have open"`
	Sandbox        string        `yaml:"sandbox" enum:"on,off" doc:"on: every plugin runs in its own namespaces (bubblewrap), with no network, no view of the host's files or processes, another user and a system-call filter; a plugin does not start where the sandbox cannot run. off: plugins run as plain processes of the host's user (a warning on the operator page)"`
	SandboxUser    int           `yaml:"sandbox_user" doc:"the unprivileged user id plugins run as when Atrium runs as root (65534: nobody)"`
}

// Default returns the configuration Atrium runs with when nothing is set: the
// embedded SQLite database in data/ and a server on the loopback address.
func Default() Config {
	return Config{
		Server: Server{
			Address:         "127.0.0.1:8080",
			MetricsAddress:  "127.0.0.1:9090",
			BaseURL:         "http://127.0.0.1:8080",
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			IdleTimeout:     2 * time.Minute,
			ShutdownTimeout: 10 * time.Second,
			BodyLimitMB:     8,
			RateLimit:       120,
			ProtocolWrites:  600,
			AwayAfter:       time.Minute,
		},
		Database: Database{
			URL:          "file:data/atrium.db",
			MaxOpenConns: 20,
			BusyTimeout:  5 * time.Second,
		},
		Log:      Log{Level: "info", Format: "text"},
		I18n:     I18n{DefaultLocale: "en"},
		Theme:    Theme{Name: "default"},
		Security: Security{KeyFile: "data/secret.key"},
		Identity: Identity{
			PasswordMinLength: 12, PasswordClasses: 3, PasswordHistory: 6,
			Argon2MemoryKiB: 64 * 1024, Argon2Time: 2, Argon2Threads: 2,
			InvitationValidity: 72 * time.Hour, ResetValidity: 30 * time.Minute,
			RequireSecondFactor: true, ThrottleAfter: 3, LockoutAfter: 20,
			SessionIdle: 2 * time.Hour, SessionMax: 12 * time.Hour,
		},
		Mail:   Mail{SMTPPort: 587, TLS: "starttls", From: "Atrium <no-reply@atrium.invalid>", MaxAttempts: 8},
		Files:  Files{Dir: "data/files", MaxFileMB: 100, QuotaMB: 10 * 1024},
		Events: Events{KeepDays: 730},
		Plugins: Plugins{Dir: "bin/plugins", TrustFile: "data/plugins-trust.json", CallTimeout: 10 * time.Second,
			SlotTimeout: 300 * time.Millisecond, HealthInterval: 5 * time.Second, TickEvery: 5 * time.Minute, MaxRestarts: 5, MemoryMB: 1024, OpenFiles: 1024,
			Sandbox: "on", SandboxUser: 65534},
	}
}
