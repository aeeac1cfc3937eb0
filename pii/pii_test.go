package pii

import (
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/textract"
)

var today = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// id makes a valid ID number from 17 digits.
func id(d17 string) string { return d17 + string(CheckDigit(d17)) }

func scan(text, context string) Result {
	return Scan([]textract.Line{{Where: "第 1 行", Text: text, Context: context}}, Options{Today: today})
}

func TestScan(t *testing.T) {
	good := id("37030519800101123")
	wrong := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	card := "6222021234567890128" // passes Luhn
	if !Luhn(card) {
		t.Fatal("test card fails Luhn")
	}
	for _, c := range []struct {
		name, text, ctx string
		want            map[string]int
	}{
		{"id", "张三 " + good + " 男", "", map[string]int{KindID: 1}},
		{"id x", "李四 " + id("11010119900307451")[:17] + "X", "", nil}, // X only when it is the check digit
		{"id wrong check digit", "张三 " + wrong, "", nil},
		{"id impossible date", "张三 " + id("37030519800230123"), "", nil},
		{"id future date", "张三 " + id("37030520300101123"), "", nil},
		{"id bad province", "张三 " + id("99030519800101123"), "", nil},
		{"id masked", "张三 370305********1234", "", nil},
		{"id inside a longer number", "编号 1" + good, "", nil},
		{"id in a credit code line", "统一社会信用代码：" + good, "", nil},
		{"mobile", "联系人张三，13812345678", "", map[string]int{KindMobile: 1}},
		{"mobile grouped", "王五 138 1234 5678", "", map[string]int{KindMobile: 1}},
		{"mobile masked", "王五 138****5678", "", nil},
		{"mobile full-width", "王五 １３８１２３４５６７８", "", map[string]int{KindMobile: 1}},
		{"mobile masked full-width", "王五 １３８＊＊＊＊５６７８", "", nil},
		{"mobile contact line", "联系电话：13812345678", "", nil},
		{"mobile 12 digits", "编号 138123456789", "", nil},
		{"mobile 1[0-2]", "编号 12812345678", "", nil},
		{"landline", "办公室 0533-7212345，传真 05337212346", "", nil},
		{"card near keyword", "开户银行：农业银行 卡号：" + card, "", map[string]int{KindBank: 1}},
		{"card via header", card, "姓名\t银行卡号", map[string]int{KindBank: 1}},
		{"card grouped", "账号 6222 0212 3456 7890 128", "", map[string]int{KindBank: 1}},
		{"card no keyword", "编号 " + card, "", nil},
		{"card bad luhn", "卡号 6222021234567890127", "", nil},
		{"card masked", "卡号 6222***********0128", "", nil},
		{"id 15 with keyword", "身份证号 370305800101123", "", map[string]int{KindID: 1}},
		{"15 digits without keyword", "编号 370305800101123", "", nil},
	} {
		r := scan(c.text, c.ctx)
		if len(r.Counts) != len(c.want) {
			t.Errorf("%s: %q gave %v, want %v", c.name, c.text, r.Counts, c.want)
			continue
		}
		for k, n := range c.want {
			if r.Counts[k] != n {
				t.Errorf("%s: %q gave %v, want %v", c.name, c.text, r.Counts, c.want)
			}
		}
		for _, m := range r.Matches {
			for _, s := range []string{m.Masked, m.Context, m.Where} {
				if strings.Contains(s, good) || strings.Contains(s, "13812345678") || strings.Contains(s, card) || strings.Contains(s, "6222 0212 3456 7890 128") {
					t.Errorf("%s: clear number in evidence %+v", c.name, m)
				}
			}
		}
	}
}

func TestMaskAndHash(t *testing.T) {
	if got := Mask(KindID, "37030519800101123X"); got != "370305********123X" {
		t.Errorf("id mask %s", got)
	}
	if got := Mask(KindMobile, "138 1234 5678"); got != "138****5678" {
		t.Errorf("mobile mask %s", got)
	}
	if got := Mask(KindBank, "6222021234567890128"); got != "6222***********0128" {
		t.Errorf("card mask %s", got)
	}
	if Hash("138-1234-5678") != Hash("13812345678") || Hash("13812345678") == Hash("13812345679") {
		t.Error("hash does not normalise or collides")
	}
	for in, want := range map[string]string{
		"王五 13812345678 与 0533-7212345": "王五 138****5678 与 053****2345",
		"卡号 6222 0212 3456 7890 128 户名": "卡号 622************0128 户名",
		"身份证 37030519800101123X。":       "身份证 370***********123X。",
		"2026年5月 共 12 人":                "2026年5月 共 12 人",
	} {
		if got := MaskText(in); got != want {
			t.Errorf("MaskText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	// The standard's example: 11010519491231002X.
	if !ValidID18("11010519491231002X", today) {
		t.Error("GB 11643 example rejected")
	}
	if ValidID18("110105194912310021", today) {
		t.Error("wrong check digit accepted")
	}
}

// TestContextNeverCutsANumber: the context of one match never shows the
// middle digits of a neighbour, however the window falls.
func TestContextNeverCutsANumber(t *testing.T) {
	a, b := id("37030519941201050"), id("37030519871111222")
	line := "1\t李丽强\t" + a + "\t13812345678\t6222 0212 3456 7890 128\t" + b
	r := scan(line, "姓名\t身份证\t电话\t银行卡号")
	if r.Total() != 4 {
		t.Fatalf("found %v", r.Counts)
	}
	for _, m := range r.Matches {
		for _, secret := range []string{a[6:14], b[6:14], "12345678", "0212 3456", "3456 7890", "19941201", "871111"} {
			if strings.Contains(m.Context, secret) || strings.Contains(m.Masked, secret) {
				t.Errorf("%s: %q leaks %q", m.Kind, m.Context, secret)
			}
		}
	}
}

func TestMaskHTML(t *testing.T) {
	good := id("37030519800101123")
	page := `<html><body><p title="13812345678">张三 ` + good + ` 联系电话：13812345678 &amp; 0533-7212345</p><td>6222021234567890128</td></body></html>`
	got := string(MaskHTML([]byte(page)))
	for _, clear := range []string{good, ">张三 " + good, "：13812345678", "6222021234567890128"} {
		if strings.Contains(got, clear) {
			t.Errorf("MaskHTML left %q: %s", clear, got)
		}
	}
	for _, kept := range []string{"370305********" + good[14:], "138****5678", "0533-7212345", "&amp;", `title="13812345678"`} {
		if !strings.Contains(got, kept) {
			t.Errorf("MaskHTML lost %q: %s", kept, got)
		}
	}
}
