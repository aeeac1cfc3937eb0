package portalsim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/govaudit/govaudit/textract/docgen"
)

// Content: the ground truth of the content checks (personal-data,
// external-link, hidden-link). Chosen articles in the window carry
// personal data in their body, a roster attachment of a real format
// (xlsx, docx, pdf with a ToUnicode CJK font, csv), links to commercial
// hosts or IP addresses, or hidden links; others carry the traps that
// must not be findings: masked numbers, ID numbers with a wrong check
// digit, landlines, a mobile on the 联系电话 line, a card number failing
// Luhn, allowed government and national platform links, and an
// image-only PDF (not audited). Every other .pdf, .docx, .xlsx and .csv
// attachment is a real, clean document.
//
// Hooks in the rest of the package (kept to one line each): generate
// calls placeContent, body calls privacyBody, attBytes calls
// contentAttachment, truth calls privacyTruth, Config turns on
// crawl.attachment_text. Content violations are off when
// Rates.BrokenLink is negative (the link and page violations are off).

// Check ids of the content checks.
const (
	CheckPersonalData = "personal-data"
	CheckExternalLink = "external-link"
	CheckHiddenLink   = "hidden-link"
)

func init() {
	Checks = append(Checks, CheckPersonalData, CheckExternalLink, CheckHiddenLink)
}

// bodyScenario is what an article's body carries.
type bodyScenario int

const (
	bodyNone       bodyScenario = iota
	bodyRoster                  // a table of names, ID numbers and mobiles: personal-data
	bodyMobile                  // one mobile in a sentence: personal-data
	bodyBank                    // a card number after 卡号: personal-data
	bodyMasked                  // trap: masked IDs and mobiles
	bodyBadCheck                // trap: ID numbers with a wrong check digit
	bodyContact                 // trap: landline and mobile on the 联系电话 line
	bodyBadLuhn                 // trap: 账号 with a number failing Luhn
	bodyHidden                  // hidden links (display:none, font-size 0, off-screen, white on white, text-less)
	bodyExternal                // visible links to a commercial host and an IP address
	bodyGovLinks                // trap: links to *.gov.cn and national platforms
	bodyHiddenSelf              // a hidden link to a page of the site itself
)

// attScenario is what an attachment holds.
type attScenario int

const (
	attClean     attScenario = iota
	attRoster                // personal data
	attMaskedDoc             // trap: masked values
	attContact               // trap: only a contact line
	attImageOnly             // trap: an image-only PDF, not audited
)

// simContent is the content placed in a portal.
type simContent struct {
	body  map[*item]bodyScenario
	atts  map[*att]attScenario
	cache sync.Map // *att -> []byte
}

// hiddenLinks are the links of bodyHidden: href, how it is hidden.
var hiddenLinks = []struct{ href, html string }{
	{"http://www.bet-365-vip.com/", `<span style="display:none"><a href="http://www.bet-365-vip.com/">体育投注</a></span>`},
	{"http://www.aomen-casino.com/", `<span style="font-size:0"><a href="http://www.aomen-casino.com/">澳门娱乐</a></span>`},
	{"http://www.sscai-888.com/", `<span style="position:absolute;left:-9999px;top:-9999px"><a href="http://www.sscai-888.com/">时时彩</a></span>`},
	{"http://www.qipai-vip.com/", `<span><a href="http://www.qipai-vip.com/" style="color:#ffffff">棋牌游戏</a></span>`},
	{"http://www.xinpujing-dc.com/", `<span><a href="http://www.xinpujing-dc.com/"></a></span>`},
}

// externalLinks are the visible links of bodyExternal.
var externalLinks = []string{"http://www.haoshop-mall.com/promo.html", "http://61.135.18.47/zt/index.html"}

// placeContent chooses the articles and attachments that carry content.
func (s *Sim) placeContent(rates Rates) {
	s.content = &simContent{body: map[*item]bodyScenario{}, atts: map[*att]attScenario{}}
	if rates.BrokenLink <= 0 {
		return
	}
	var items []*item
	for _, u := range s.units {
		for _, c := range u.cols {
			for _, it := range c.items {
				if it.pub >= s.ws && it.pub <= s.today {
					items = append(items, it)
				}
			}
		}
	}
	r := s.rng(0xc0, 0x47e47)
	r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	per := max(1, len(items)/400)
	next := 0
	for sc := bodyRoster; sc <= bodyHiddenSelf; sc++ {
		for range per {
			if next < len(items) {
				s.content.body[items[next]] = sc
				next++
			}
		}
	}
	// Attachments: by format, among the attachments of the window that download.
	byExt := map[string][]*att{}
	for _, it := range items {
		for _, a := range it.atts {
			if a.mode == attOK {
				byExt[a.ext] = append(byExt[a.ext], a)
			}
		}
	}
	place := func(ext string, sc attScenario) {
		for range per {
			for _, a := range byExt[ext] {
				if _, used := s.content.atts[a]; !used {
					s.content.atts[a] = sc
					break
				}
			}
		}
	}
	for _, ext := range []string{"xlsx", "docx", "pdf", "csv"} {
		place(ext, attRoster)
	}
	place("xlsx", attMaskedDoc)
	place("docx", attContact)
	place("pdf", attMaskedDoc)
	place("pdf", attImageOnly)
}

// Numbers. Each is derived from the item's id, so that a page is the
// same at every request.

var givens = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"}

func personName(r *rand.Rand) string { return pick(r, surnames) + pick(r, givens) + pick(r, givens) }

// idNumber is a valid resident ID number of Linzi (370305).
func idNumber(r *rand.Rand) string {
	d17 := fmt.Sprintf("370305%04d%02d%02d%03d", 1950+r.IntN(55), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000))
	return d17 + string(idCheck(d17))
}

func idCheck(d17 string) byte {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	s := 0
	for i := range 17 {
		s += int(d17[i]-'0') * w[i]
	}
	return "10X98765432"[s%11]
}

// badIDNumber has a wrong check digit.
func badIDNumber(r *rand.Rand) string {
	id := idNumber(r)
	c := strings.IndexByte("0123456789X", id[17])
	return id[:17] + string("0123456789X"[(c+1+r.IntN(9))%11])
}

func mobileNumber(r *rand.Rand) string {
	return fmt.Sprintf("1%c%09d", "3456789"[r.IntN(7)], r.IntN(1e9))
}

// cardNumber is a 19-digit card number passing Luhn; bad makes it fail.
func cardNumber(r *rand.Rand, bad bool) string {
	d := fmt.Sprintf("622848%012d", r.Int64N(1e12))
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if (len(d)-i)%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	check := (10 - sum%10) % 10
	if bad {
		check = (check + 1 + r.IntN(8)) % 10
	}
	return d + string(rune('0'+check))
}

func maskID(id string) string      { return id[:6] + "********" + id[14:] }
func maskMob(m string) string      { return m[:3] + "****" + m[7:] }
func landline(r *rand.Rand) string { return fmt.Sprintf("0533-%07d", 7000000+r.IntN(999999)) }

// privacyBody writes the body content of an article, if any.
func (s *Sim) privacyBody(b *strings.Builder, it *item) {
	if s.content == nil {
		return
	}
	sc := s.content.body[it]
	if sc == bodyNone {
		return
	}
	r := s.rng(0xc0b0, uint64(it.id))
	switch sc {
	case bodyRoster, bodyMasked, bodyBadCheck:
		b.WriteString("<p>现将有关人员名单公示如下：</p>\n<table class=\"gs\"><tr><th>序号</th><th>姓名</th><th>身份证号码</th><th>联系电话</th></tr>\n")
		for i := range 3 {
			id, mob := idNumber(r), mobileNumber(r)
			switch sc {
			case bodyMasked:
				id, mob = maskID(id), maskMob(mob)
			case bodyBadCheck:
				id, mob = badIDNumber(r), landline(r)
			}
			fmt.Fprintf(b, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", i+1, personName(r), id, mob)
		}
		b.WriteString("</table>\n")
	case bodyMobile:
		fmt.Fprintf(b, "<p>经审核，申请人%s，手机号码%s，符合%s补助条件，现予以公示。</p>\n", personName(r), mobileNumber(r), esc(it.topic))
	case bodyBank:
		fmt.Fprintf(b, "<p>补助资金已拨付至%s本人银行卡（开户行：临淄农商银行，卡号：%s）。</p>\n", personName(r), cardNumber(r, false))
	case bodyContact:
		fmt.Fprintf(b, "<p>联系人：%s　联系电话：%s　%s</p>\n", personName(r)[:3]+"科长", landline(r), mobileNumber(r))
	case bodyBadLuhn:
		fmt.Fprintf(b, "<p>非税收入汇缴账号：%s</p>\n", cardNumber(r, true))
	case bodyHidden:
		for _, h := range hiddenLinks {
			b.WriteString(h.html + "\n")
		}
	case bodyExternal:
		fmt.Fprintf(b, "<p>详情请访问：<a href=\"%s\">活动专题</a>，<a href=\"%s\">报名系统</a></p>\n", externalLinks[0], externalLinks[1])
	case bodyGovLinks:
		b.WriteString("<p>相关链接：<a href=\"http://www.shandong.gov.cn/\">山东省人民政府</a> <a href=\"http://www.people.com.cn/\">人民网</a> <a href=\"https://www.gov.cn/zhengce/\">中国政府网</a></p>\n")
	case bodyHiddenSelf:
		// Spans: the malformed-markup fault drops </div> and </p>, which
		// would hide the rest of the page with the link.
		fmt.Fprintf(b, "<span style=\"visibility:hidden\"><a href=\"%s\">%s</a></span>\n", it.c.listPath(1), esc(it.c.spec.name))
	}
}

// privacyTruth adds the content violations of an article in the window.
func (s *Sim) privacyTruth(it *item, iurl, base string, add func(check, subject string)) {
	if s.content == nil {
		return
	}
	switch s.content.body[it] {
	case bodyRoster, bodyMobile, bodyBank:
		add(CheckPersonalData, iurl)
	case bodyHidden:
		for _, h := range hiddenLinks {
			add(CheckHiddenLink, iurl+" -> "+h.href)
			add(CheckExternalLink, iurl+" -> "+h.href)
		}
	case bodyExternal:
		for _, l := range externalLinks {
			add(CheckExternalLink, iurl+" -> "+l)
		}
	case bodyHiddenSelf:
		add(CheckHiddenLink, iurl+" -> "+base+it.c.listPath(1))
	}
	for _, a := range it.atts {
		if a.mode == attOK && s.content.atts[a] == attRoster {
			add(CheckPersonalData, base+a.path())
		}
	}
}

// contentAttachment returns the bytes of a real document for a .pdf,
// .docx, .xlsx or .csv attachment; false for other formats.
func (s *Sim) contentAttachment(a *att) ([]byte, bool) {
	if s.content == nil {
		return nil, false
	}
	switch a.ext {
	case "pdf", "docx", "xlsx", "csv":
	default:
		return nil, false
	}
	if b, ok := s.content.cache.Load(a); ok {
		return b.([]byte), true
	}
	b, err := s.document(a, s.content.atts[a])
	if err != nil {
		return nil, false
	}
	s.content.cache.Store(a, b)
	return b, true
}

// document renders an attachment of a scenario.
func (s *Sim) document(a *att, sc attScenario) ([]byte, error) {
	r := s.rng(0xd0c, uint64(a.it.id), uint64(len(a.key)), uint64(a.key[len(a.key)-1]))
	title := a.stem
	switch sc {
	case attImageOnly:
		return docgen.ImagePDF(), nil
	case attContact:
		return docgen.DOCX(docgen.Block{Text: title}, docgen.Block{Text: "请于规定时间内提交申请材料。"},
			docgen.Block{Text: "联系电话：" + landline(r) + "，" + mobileNumber(r)})
	case attRoster, attMaskedDoc:
		header := []string{"序号", "姓名", "身份证号码", "联系电话", "银行卡号"}
		rows := [][]string{header}
		for i := range 4 {
			id, mob, card := idNumber(r), mobileNumber(r), cardNumber(r, false)
			if sc == attMaskedDoc {
				id, mob, card = maskID(id), maskMob(mob), card[:4]+"***********"+card[15:]
			}
			rows = append(rows, []string{fmt.Sprint(i + 1), personName(r), id, mob, card})
		}
		switch a.ext {
		case "xlsx":
			return docgen.XLSX(docgen.Sheet{Name: "公示名单", Rows: rows})
		case "docx":
			return docgen.DOCX(docgen.Block{Text: title}, docgen.Block{Table: rows})
		case "csv":
			var b strings.Builder
			b.WriteString("\xef\xbb\xbf")
			for _, row := range rows {
				b.WriteString(strings.Join(row, ",") + "\n")
			}
			return []byte(b.String()), nil
		default:
			lines := []string{title}
			for _, row := range rows {
				lines = append(lines, strings.Join(row, "\t"))
			}
			return docgen.PDF(lines), nil
		}
	}
	// A clean document.
	text := []string{title, fmt.Sprintf("为做好%s工作，现将有关事项说明如下。", a.it.topic), "一、总体要求", "二、主要任务", "三、保障措施"}
	switch a.ext {
	case "xlsx":
		rows := [][]string{{"序号", "项目", "数值"}}
		for i := range 10 {
			rows = append(rows, []string{fmt.Sprint(i + 1), a.it.topic, fmt.Sprint((i*37 + 11) % 1000)})
		}
		return docgen.XLSX(docgen.Sheet{Name: "Sheet1", Rows: rows})
	case "docx":
		var bs []docgen.Block
		for _, t := range text {
			bs = append(bs, docgen.Block{Text: t})
		}
		return docgen.DOCX(bs...)
	case "csv":
		var b strings.Builder
		b.WriteString("\xef\xbb\xbf序号,项目,数值\n")
		for i := 1; i <= 20; i++ {
			fmt.Fprintf(&b, "%d,%s,%d\n", i, a.it.topic, i*37%1000)
		}
		return []byte(b.String()), nil
	default:
		return docgen.PDF(text), nil
	}
}
