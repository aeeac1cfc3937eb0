package config

// DefaultMaxAttachmentBytes is the default crawl.max_attachment_bytes.
const DefaultMaxAttachmentBytes = 20 << 20

// DefaultAllowedDomains are the national platforms an article may link
// to besides the site itself and *.gov.cn (site.allowed_domains extends
// them): 人民网, 新华网, 央视网, 求是网, 共产党员网, 中国互联网违法和不良
// 信息举报中心, and conac.cn, the 中央编办's registry that every government
// site must link from its footer (the red 党政机关 badge, bszs.conac.cn).
var DefaultAllowedDomains = []string{
	"*.people.com.cn", "*.xinhuanet.com", "*.news.cn", "*.cctv.com", "*.cctv.cn",
	"*.qstheory.cn", "*.12371.cn", "*.12377.cn", "*.conac.cn",
}
