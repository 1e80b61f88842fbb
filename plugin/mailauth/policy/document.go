package policy

// The types below mirror the policy file's YAML one to one; the decoder fills them strictly
// (unknown keys, wrong types and duplicate keys are errors) and Load then checks their values.
// Every Go field name is its YAML key capitalised, underscores dropped (mta_sts is MTASTS).

type document struct {
	TTL      *int64                `yaml:"ttl"`
	SOA      *soaDoc               `yaml:"soa"`
	NS       []string              `yaml:"ns"`
	Domains  map[string]*domainDoc `yaml:"domains"`
	Hosts    map[string]*hostDoc   `yaml:"hosts"`
	Networks []*networkDoc         `yaml:"networks"`
}

type soaDoc struct {
	MName   string `yaml:"mname"`
	RName   string `yaml:"rname"`
	Serial  *int64 `yaml:"serial"`
	Refresh *int64 `yaml:"refresh"`
	Retry   *int64 `yaml:"retry"`
	Expire  *int64 `yaml:"expire"`
	Minimum *int64 `yaml:"minimum"`
}

type domainDoc struct {
	TTL        *int64                  `yaml:"ttl"`
	Parked     bool                    `yaml:"parked"`
	SPF        []string                `yaml:"spf"`
	SenderID   any                     `yaml:"senderid"` // true or a list of scopes; checked in senderID
	MX         []string                `yaml:"mx"`       // null is the null MX, told apart in the AST
	DKIM       map[string]*selectorDoc `yaml:"dkim"`
	DomainKeys *domainKeysDoc          `yaml:"domainkeys"`
	ADSP       string                  `yaml:"adsp"`
	DMARC      *dmarcDoc               `yaml:"dmarc"`
	MTASTS     *mtaSTSDoc              `yaml:"mta_sts"`
	TLSRPT     *tlsRPTDoc              `yaml:"tls_rpt"`
	BIMI       *bimiDoc                `yaml:"bimi"`
}

type selectorDoc struct {
	Key     string   `yaml:"key"`
	P       *string  `yaml:"p"`
	K       string   `yaml:"k"`
	Revoked bool     `yaml:"revoked"`
	H       []string `yaml:"h"`
	S       []string `yaml:"s"`
	T       []string `yaml:"t"`
	N       string   `yaml:"n"`

	DomainKeys bool `yaml:"domainkeys"` // publish the key record without v=DKIM1, for RFC 4870 verifiers
}

type dmarcDoc struct {
	P     string   `yaml:"p"`
	SP    string   `yaml:"sp"`
	NP    string   `yaml:"np"`
	PCT   *int     `yaml:"pct"`
	RUA   []string `yaml:"rua"`
	RUF   []string `yaml:"ruf"`
	ADKIM string   `yaml:"adkim"`
	ASPF  string   `yaml:"aspf"`
	FO    string   `yaml:"fo"`
	RF    string   `yaml:"rf"`
	RI    *int64   `yaml:"ri"`
	T     string   `yaml:"t"`
	PSD   string   `yaml:"psd"`
}

type networkDoc struct {
	Prefix   string       `yaml:"prefix"`
	PTR      string       `yaml:"ptr"`
	TTL      *int64       `yaml:"ttl"`
	Delegate *delegateDoc `yaml:"delegate"`
}

type delegateDoc struct {
	To   []string `yaml:"to"`
	Zone string   `yaml:"zone"`
}

// hostDoc is a host written either as a list of addresses (the short form) or as a mapping
// {addrs: [...], helo: false} (the long form).
type hostDoc struct {
	Addrs []string `yaml:"addrs"`
	HELO  *bool    `yaml:"helo"`
	short bool     // written as the list of addresses alone
}

// shortForm implements shortForm: anything but a mapping is the list of addresses.
func (h *hostDoc) shortForm() any {
	h.short = true
	return &h.Addrs
}

// addrPath is where the addresses of the host at path are written.
func (h *hostDoc) addrPath(path []any) []any {
	if h != nil && !h.short {
		return append(path[:len(path):len(path)], "addrs")
	}
	return path
}

type domainKeysDoc struct {
	O string `yaml:"o"`
	T string `yaml:"t"`
	R string `yaml:"r"`
	N string `yaml:"n"`
}

type mtaSTSDoc struct {
	Mode   string   `yaml:"mode"`
	MX     []string `yaml:"mx"`
	MaxAge *int64   `yaml:"max_age"`
}

type tlsRPTDoc struct {
	RUA []string `yaml:"rua"`
}

type bimiDoc struct {
	L        string `yaml:"l"`
	A        string `yaml:"a"`
	Selector string `yaml:"selector"`
}
