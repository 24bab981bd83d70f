// Package platform assembles Doorstep from a typed Config: pools, registry,
// Redis, Casbin, the outbox relay, every service, the HTTP server, the
// worker and the scheduler. main.go turns config.yaml and the environment
// into a Config and calls New; the tests call New with a throwaway schema
// prefix, so what they test is what runs.
package platform

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Config is the whole configuration, typed. Every field has a key in
// config.yaml; DOORSTEP_* environment variables override them.
type Config struct {
	Env     string `mapstructure:"env"` // development | production
	HTTP    HTTPConfig
	MySQL   MySQLConfig `mapstructure:"mysql"`
	Redis   RedisConfig
	Auth    AuthConfig
	PII     PIIConfig `mapstructure:"pii"`
	SMS     SMSConfig `mapstructure:"sms"`
	Push    PushConfig
	OAuth   OAuthConfig `mapstructure:"oauth"`
	Payment PaymentConfig
	Jobs    JobsConfig
	RBAC    RBACConfig `mapstructure:"rbac"`
	Log     LogConfig
}

type HTTPConfig struct {
	Addr           string
	BaseDomain     string        `mapstructure:"base_domain"`
	PublicURL      string        `mapstructure:"public_url"`
	TrustProxy     bool          `mapstructure:"trust_proxy"`
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// DebugAddr, when set, serves Go's profiler (/debug/pprof/) on its own
	// listener: bind it to loopback or a private network, never the public one.
	DebugAddr string `mapstructure:"debug_addr"`
}

type PlacementConfig struct {
	DSN             string        `mapstructure:"dsn"`
	MaxOpen         int           `mapstructure:"max_open"`
	MaxIdle         int           `mapstructure:"max_idle"`
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
}

type MySQLConfig struct {
	Prefix           string
	HQPlacement      string                     `mapstructure:"hq_placement"`
	DefaultPlacement string                     `mapstructure:"default_placement"`
	Placements       map[string]PlacementConfig `mapstructure:"placements"`
	Refresh          time.Duration
	SlowQuery        time.Duration `mapstructure:"slow_query"`
	MigrateParallel  int           `mapstructure:"migrate_parallel"`
	SingleConn       bool          `mapstructure:"single_conn"`
}

type RedisConfig struct {
	Addr     string
	Password string
	DB       int `mapstructure:"db"`
}

type AuthConfig struct {
	JWTKeys         map[string]string `mapstructure:"jwt_keys"`
	JWTActiveKey    string            `mapstructure:"jwt_active_key"`
	Issuer          string
	Audience        string
	AccessTTL       time.Duration `mapstructure:"access_ttl"`
	RefreshTTL      time.Duration `mapstructure:"refresh_ttl"`
	StateKey        string        `mapstructure:"state_key"`
	CodeTTL         time.Duration `mapstructure:"code_ttl"`
	CodeMaxAttempts int           `mapstructure:"code_max_attempts"`
	CodeCooldown    time.Duration `mapstructure:"code_cooldown"`
	CodesPerDay     int           `mapstructure:"codes_per_day"`
	CodesPerIPHour  int           `mapstructure:"codes_per_ip_hour"`
	LoginFailures   int           `mapstructure:"login_failures"`
	LoginWindow     time.Duration `mapstructure:"login_window"`
}

type PIIConfig struct {
	Keys      map[string]string
	ActiveKey string `mapstructure:"active_key"`
	HashKey   string `mapstructure:"hash_key"`
}

type SMSConfig struct {
	Provider string // sandbox | aliyun
	Aliyun   AliyunSMSConfig
}

type AliyunSMSConfig struct {
	AccessKeyID     string            `mapstructure:"access_key_id"`
	AccessKeySecret string            `mapstructure:"access_key_secret"`
	SignName        string            `mapstructure:"sign_name"`
	Endpoint        string            `mapstructure:"endpoint"`
	Templates       map[string]string `mapstructure:"templates"`
}

type PushConfig struct {
	Provider string      // sandbox | jpush
	JPush    JPushConfig `mapstructure:"jpush"`
}

type JPushConfig struct {
	AppKey       string `mapstructure:"app_key"`
	MasterSecret string `mapstructure:"master_secret"`
	BaseURL      string `mapstructure:"base_url"`
	Production   bool
}

type OAuthConfig struct {
	Sandbox    bool
	SandboxKey string   `mapstructure:"sandbox_key"`
	WeChat     OAuthApp `mapstructure:"wechat"`
	QQ         OAuthApp `mapstructure:"qq"`
}

type OAuthApp struct {
	AppID     string `mapstructure:"app_id"`
	AppSecret string `mapstructure:"app_secret"`
}

// PaymentConfig picks the payment gateways and tunes payments and refunds.
type PaymentConfig struct {
	// Enabled lists the gateways customers may pay with: sandbox, alipay,
	// wechat. Empty means the sandbox outside production.
	Enabled           []string
	Timeout           time.Duration // how long a payment stays payable
	RefundPoll        time.Duration `mapstructure:"refund_poll"`         // first check of a processing refund; doubles
	RefundPollMax     time.Duration `mapstructure:"refund_poll_max"`     // longest wait between checks
	RefundMaxFailures int           `mapstructure:"refund_max_failures"` // failed provider calls before a refund is marked failed
	RefundMaxPolls    int           `mapstructure:"refund_max_polls"`    // checks still processing before it is marked failed
	// ReturnOrigins are the origins besides http.public_url's that a
	// payer's browser may be sent back to after paying (return_url on
	// POST /v1/orders/:id/pay): scheme://host[:port], nothing else.
	ReturnOrigins []string `mapstructure:"return_origins"`
	Sandbox       SandboxPayConfig
	Alipay        AlipayPayConfig
	WeChat        WeChatPayConfig `mapstructure:"wechat"`
}

// SandboxPayConfig is the sandbox gateway: no outside account, never in
// production.
type SandboxPayConfig struct {
	Key string // signs its notifications; dev-only
}

// AlipayPayConfig is one Alipay open platform app (public-key mode, RSA2).
type AlipayPayConfig struct {
	AppID      string `mapstructure:"app_id"`
	PrivateKey string `mapstructure:"private_key"` // app private key, PEM or the key tool's base64
	PublicKey  string `mapstructure:"public_key"`  // 支付宝公钥 from the console
	GatewayURL string `mapstructure:"gateway_url"`
	Product    string // page | wap
	// NotifyBaseURL is the base Alipay posts notifications to when it is
	// not http.public_url.
	NotifyBaseURL string `mapstructure:"notify_base_url"`
}

// WeChatPayConfig is one WeChat Pay APIv3 direct merchant (微信支付公钥 mode).
type WeChatPayConfig struct {
	MchID             string `mapstructure:"mch_id"`
	AppID             string `mapstructure:"app_id"`
	PrivateKey        string `mapstructure:"private_key"` // apiclient_key.pem
	CertSerial        string `mapstructure:"cert_serial"` // serial of the merchant API certificate
	APIv3Key          string `mapstructure:"api_v3_key"`  // 32 bytes
	PlatformPublicKey string `mapstructure:"platform_public_key"`
	PlatformSerial    string `mapstructure:"platform_serial"` // PUB_KEY_ID_...
	BaseURL           string `mapstructure:"base_url"`
	// NotifyBaseURL is the base WeChat Pay posts notifications to when it
	// is not http.public_url; WeChat Pay accepts https only.
	NotifyBaseURL string `mapstructure:"notify_base_url"`
}

type JobsConfig struct {
	Concurrency int
	RelaySweep  time.Duration `mapstructure:"relay_sweep"`
}

type RBACConfig struct {
	Poll     time.Duration
	CacheTTL time.Duration `mapstructure:"cache_ttl"`
}

type LogConfig struct {
	Level  string
	Format string // json | text
}

// DevSecret marks every secret value shipped in config.yaml. Production
// refuses to start while any secret still holds one.
const DevSecret = "dev-only"

// Production tells whether this is a production deployment.
func (c Config) Production() bool { return c.Env == "production" }

// Check refuses configurations that cannot work, and in production any
// secret still at its development value.
func (c Config) Check() error {
	var errs []error
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("env must be development or production, not %q", c.Env))
	}
	if len(c.MySQL.Placements) == 0 {
		errs = append(errs, errors.New("mysql.placements: at least one placement"))
	}
	for _, o := range c.Payment.ReturnOrigins {
		if !isOrigin(o) {
			errs = append(errs, fmt.Errorf("payment.return_origins: %q is not an origin (https://host or http://host:port, no path)", o))
		}
	}
	if c.Production() {
		dev := func(name, v string) {
			if v == "" || strings.Contains(v, DevSecret) {
				errs = append(errs, fmt.Errorf("%s still holds its development value: set it (DOORSTEP_%s) before running in production", name, strings.ToUpper(strings.ReplaceAll(name, ".", "_"))))
			}
		}
		for id, k := range c.Auth.JWTKeys {
			dev("auth.jwt_keys."+id, k)
		}
		dev("auth.state_key", c.Auth.StateKey)
		for id, k := range c.PII.Keys {
			dev("pii.keys."+id, decoded(k))
		}
		dev("pii.hash_key", decoded(c.PII.HashKey))
		dev("oauth.sandbox_key", c.OAuth.SandboxKey)
		dev("payment.sandbox.key", c.Payment.Sandbox.Key)
		if slices.Contains(c.Payment.Enabled, "sandbox") {
			errs = append(errs, errors.New("payment.enabled: the sandbox gateway takes no real money; remove it in production"))
		}
		if len(c.Payment.Enabled) == 0 {
			errs = append(errs, errors.New("payment.enabled: name the gateways customers pay with (alipay, wechat)"))
		}
		if c.SMS.Provider == "sandbox" {
			errs = append(errs, errors.New("sms.provider: the sandbox cannot send real messages in production"))
		}
		if c.OAuth.Sandbox {
			errs = append(errs, errors.New("oauth.sandbox must be false in production"))
		}
	}
	return errors.Join(errs...)
}

// isOrigin tells whether v is an http(s) origin: scheme and host (and
// port), no user, path, query or fragment.
func isOrigin(v string) bool {
	u, err := url.Parse(strings.TrimSpace(v))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.User == nil &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && u.Opaque == ""
}

// decoded opens a base64 key so the development marker inside it shows.
func decoded(v string) string {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return v
	}
	return string(b)
}
