package policy

// The types below mirror the policy file's YAML one to one; the decoder fills them strictly
// (unknown keys, wrong types and duplicate keys are errors) and Load then checks their values.
// Every Go field name is its YAML key capitalised, which decodeError relies on.

type document struct {
	TTL      *int64                `yaml:"ttl"`
	SOA      *soaDoc               `yaml:"soa"`
	NS       []string              `yaml:"ns"`
	Domains  map[string]*domainDoc `yaml:"domains"`
	Hosts    map[string][]string   `yaml:"hosts"`
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
	TTL   *int64                  `yaml:"ttl"`
	SPF   []string                `yaml:"spf"`
	DKIM  map[string]*selectorDoc `yaml:"dkim"`
	ADSP  string                  `yaml:"adsp"`
	DMARC *dmarcDoc               `yaml:"dmarc"`
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
	Prefix string `yaml:"prefix"`
	PTR    string `yaml:"ptr"`
	TTL    *int64 `yaml:"ttl"`
}
