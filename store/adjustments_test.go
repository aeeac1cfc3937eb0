package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openAdjTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "adj.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAdjustments(t *testing.T) {
	s := openAdjTestStore(t)
	at := time.Date(2026, 10, 9, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	bad := []Adjustment{
		{Unit: "", Period: "2026Q3", Points: 1, Category: CategoryOther, Reason: "x", At: at},
		{Unit: "u", Period: "2026Q5", Points: 1, Category: CategoryOther, Reason: "x", At: at},
		{Unit: "u", Period: "2026", Points: 1, Category: CategoryOther, Reason: "x", At: at},
		{Unit: "u", Period: "2026Q3", Points: 0, Category: CategoryOther, Reason: "x", At: at},
		{Unit: "u", Period: "2026Q3", Points: 1, Category: "奖励", Reason: "x", At: at},
		{Unit: "u", Period: "2026Q3", Points: 1, Category: CategoryOther, Reason: " ", At: at},
		{Unit: "u", Period: "2026Q3", Points: 1, Category: CategoryOther, Reason: "x"},
	}
	for i, a := range bad {
		if _, err := s.AddAdjustment(a); err == nil {
			t.Errorf("%d: bad adjustment %+v accepted", i, a)
		}
	}
	if _, err := s.AddAdjustment(bad[5]); !errors.Is(err, ErrReasonRequired) {
		t.Errorf("missing reason: %v, want ErrReasonRequired", err)
	}
	a1, err := s.AddAdjustment(Adjustment{Unit: "lzqzjj", Period: "2026Q3", Points: 1, Category: CategoryRectification, Reason: "未按期整改", By: "王五", At: at})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := s.AddAdjustment(Adjustment{Unit: "lzqfgj", Period: "2026Y", Points: -2, Category: CategoryBonus, Reason: "创新举措", By: "王五", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if a1.ID != "adj-000001" || a2.ID != "adj-000002" {
		t.Errorf("ids %s %s", a1.ID, a2.ID)
	}
	if got, err := s.Adjustment(a1.ID); err != nil || got.Reason != "未按期整改" || got.Points != 1 {
		t.Errorf("Adjustment: %+v %v", got, err)
	}
	if _, err := s.Adjustment("adj-999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := s.WithdrawAdjustment(a1.ID, "李四", "", at); !errors.Is(err, ErrReasonRequired) {
		t.Errorf("withdraw without reason: %v", err)
	}
	w, err := s.WithdrawAdjustment(a1.ID, "李四", "录入错误", at.Add(time.Hour))
	if err != nil || !w.Withdrawn || w.WithdrawnBy != "李四" {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := s.WithdrawAdjustment(a1.ID, "李四", "again", at); err == nil {
		t.Error("withdrawn twice")
	}
	if _, err := s.WithdrawAdjustment("adj-404", "李四", "x", at); !errors.Is(err, ErrNotFound) {
		t.Errorf("withdraw unknown: %v", err)
	}
	tests := []struct {
		f    AdjustmentFilter
		want int
	}{
		{AdjustmentFilter{}, 1},
		{AdjustmentFilter{Withdrawn: true}, 2},
		{AdjustmentFilter{Unit: "lzqzjj", Withdrawn: true}, 1},
		{AdjustmentFilter{Period: "2026", Withdrawn: true}, 2},
		{AdjustmentFilter{Period: "2026Y"}, 1},
		{AdjustmentFilter{Period: "2026Q3"}, 0},
	}
	for _, tt := range tests {
		got, err := s.Adjustments(tt.f)
		if err != nil || len(got) != tt.want {
			t.Errorf("Adjustments(%+v) = %d %v, want %d", tt.f, len(got), err, tt.want)
		}
	}
	h, err := s.History(a1.ID)
	if err != nil || len(h) != 2 || h[0].Action != ActionAdd || h[1].Action != ActionWithdraw || h[1].Reason != "录入错误" || h[0].By != "王五" {
		t.Errorf("history %+v %v", h, err)
	}
}

func TestDigestRecords(t *testing.T) {
	s := openAdjTestStore(t)
	at := time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)
	if _, ok, err := s.DigestSent("2026-W47", "a@x.cn", "u1"); ok || err != nil {
		t.Fatalf("fresh store: %v %v", ok, err)
	}
	for _, r := range []DigestRecord{
		{Week: "2026-W47", Recipient: "A@x.cn", Unit: "u1", Subject: "s", SentAt: at},
		{Week: "2026-W47", Recipient: "a@x.cn", Unit: "u2", Subject: "s", SentAt: at},
		{Week: "2026-W47", Recipient: "office@x.cn", SentAt: at},
		{Week: "2026-W48", Recipient: "a@x.cn", Unit: "u1", SentAt: at},
	} {
		if err := s.RecordDigest(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordDigest(DigestRecord{Week: "2026-W47", Recipient: "a@x.cn"}); err == nil {
		t.Error("record without time accepted")
	}
	if _, ok, _ := s.DigestSent("2026-W47", "a@X.cn", "u1"); !ok {
		t.Error("recipient case matters")
	}
	if _, ok, _ := s.DigestSent("2026-W47", "a@x.cn", "u3"); ok {
		t.Error("another unit's digest counted as sent")
	}
	if recs, err := s.Digests("2026-W47"); err != nil || len(recs) != 3 {
		t.Errorf("week 47: %d %v", len(recs), err)
	}
	if recs, err := s.Digests(""); err != nil || len(recs) != 4 {
		t.Errorf("all: %d %v", len(recs), err)
	}
}
