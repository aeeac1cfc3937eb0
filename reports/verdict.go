package reports

import (
	"fmt"

	"github.com/govaudit/govaudit/store"
)

// The national verdict (单项否决) in the office's digest and on the UI's
// overview (issue 15).

// VerdictStatusWord renders a verdict status in Chinese.
func VerdictStatusWord(s string) string {
	switch s {
	case store.VerdictOK:
		return "正常"
	case store.VerdictWarn:
		return "预警"
	case store.VerdictFail:
		return "单项否决"
	}
	return "无数据"
}

// VerdictLine renders one indicator in one line of Chinese, e.g.
// "空白栏目：4 个（3 个预警，5 个否决），预警——4 个：……".
func VerdictLine(ind store.VerdictIndicator) string {
	line := fmt.Sprintf("%s：%s（%s%s预警，%s%s否决），%s", ind.Name, verdictValue(ind), FormatPoints(ind.Warn), ind.Unit,
		FormatPoints(ind.Fail), ind.Unit, VerdictStatusWord(ind.Status))
	if ind.Note != "" {
		line += "——" + oneLine(ind.Note)
	}
	return line
}

// verdictValue is an indicator's value with its unit, or 无数据.
func verdictValue(ind store.VerdictIndicator) string {
	if ind.Status == store.VerdictNone {
		return "无数据"
	}
	return FormatPoints(ind.Value) + " " + ind.Unit
}

// VerdictHeadline is the verdict in one sentence.
func VerdictHeadline(v store.VerdictRecord) string {
	fails, warns := 0, 0
	for _, ind := range v.Indicators {
		switch ind.Status {
		case store.VerdictFail:
			fails++
		case store.VerdictWarn:
			warns++
		}
	}
	switch {
	case fails > 0:
		return fmt.Sprintf("%s 国家政府网站检查单项否决指标：%d 项不合格，%d 项预警（截至 %s）", v.Week, fails, warns, v.AsOf)
	case warns > 0:
		return fmt.Sprintf("%s 国家政府网站检查单项否决指标：全部未触及否决线，%d 项预警（截至 %s）", v.Week, warns, v.AsOf)
	}
	return fmt.Sprintf("%s 国家政府网站检查单项否决指标：正常（截至 %s）", v.Week, v.AsOf)
}
