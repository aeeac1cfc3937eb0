package rules

import (
	"fmt"
)

// checkBlankColumn: an audited column whose list holds no item at all
// (空白栏目).
func checkBlankColumn(e *env, _ Def) outcome {
	var o outcome
	stored := map[string]int{}
	for _, it := range e.items {
		stored[it.Column]++
	}
	for _, col := range e.columns {
		st, ok := e.columnJudged(col.ID)
		if !ok {
			o.notAudited++
			continue
		}
		o.examined++
		if st.Items > 0 || stored[col.ID] > 0 {
			continue
		}
		text := fmt.Sprintf("栏目「%s」截至 %s 没有任何信息（抓取于 %s，列表 %d 页）",
			col.Name, e.asOf.Format(dateLayout), st.CrawledAt.In(e.asOf.Location()).Format("2006-01-02 15:04"), st.ListPages)
		ev := e.sourceEvidence(st, text)
		o.findings = append(o.findings, columnFinding(col.Unit, col.ID, col.Name, colURL(col, st), col.ID, Quarter(e.asOf), ev))
	}
	return o
}
