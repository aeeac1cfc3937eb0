package extract

import "testing"

func TestIsReply(t *testing.T) {
	for s, want := range map[string]bool{
		"":      false,
		"正在办理中": false,
		"正在办理中，请耐心等待，谢谢您的来信": false,
		"暂无回复": false,
		"您好，您反映的问题已转交区住建局核实处理。":                         true,
		"您好，经核实，我局正在组织施工单位对该路段路灯进行检修，预计本周内恢复照明，感谢您的监督。": true,
	} {
		if got := isReply(s); got != want {
			t.Errorf("isReply(%q) = %v, want %v", s, got, want)
		}
	}
}
