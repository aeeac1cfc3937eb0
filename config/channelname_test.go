package config

import "testing"

func TestSameChannel(t *testing.T) {
	tests := []struct {
		channel, want string
		same          bool
	}{
		{"政策文件", "政策文件", true},
		{" 政策 文件\u3000", "政策文件", true},
		{"政策文件及解读", "政策文件", true},
		{"政策文件 及解读", "政策文件", true},
		{"【政策文件】", "政策文件", true},
		{"政策文件(12)", "政策文件", true},
		{"政策文件（１２）", "政策文件", true},
		{"政府信息公开年报", "政府信息公开年报", true},
		{"２０２５年统计信息", "2025年统计信息", true},
		{"财政预决算", "财政预算", false},
		{"政策解读", "政策文件", false},
		{"及解读", "及解读", true},
		{"政策文件", "", false},
		{"", "", false},
		{"规划计划2025", "规划计划", false},
	}
	for _, tt := range tests {
		if got := SameChannel(tt.channel, tt.want); got != tt.same {
			t.Errorf("SameChannel(%q, %q) = %v, want %v (keys %q, %q)", tt.channel, tt.want, got, tt.same, ChannelKey(tt.channel), ChannelKey(tt.want))
		}
	}
}
