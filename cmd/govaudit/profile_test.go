package main

import (
	"reflect"
	"testing"
)

func TestSplitProfileFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		files   map[string]string
		rest    []string
		wantErr bool
	}{
		{"none", []string{"--config", "a.yaml"}, map[string]string{}, []string{"--config", "a.yaml"}, false},
		{"separate", []string{"--cpuprofile", "cpu.out", "--unit", "x"}, map[string]string{"cpuprofile": "cpu.out"}, []string{"--unit", "x"}, false},
		{"equals and single dash", []string{"-memprofile=mem.out", "--cpuprofile=c"}, map[string]string{"memprofile": "mem.out", "cpuprofile": "c"}, nil, false},
		{"after double dash", []string{"--", "--cpuprofile", "x"}, map[string]string{}, []string{"--", "--cpuprofile", "x"}, false},
		{"missing value", []string{"--cpuprofile"}, nil, nil, true},
		{"empty value", []string{"--memprofile="}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, rest, err := splitProfileFlags(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if !reflect.DeepEqual(files, tt.files) || !reflect.DeepEqual(rest, tt.rest) {
				t.Errorf("got %v %q, want %v %q", files, rest, tt.files, tt.rest)
			}
		})
	}
}
