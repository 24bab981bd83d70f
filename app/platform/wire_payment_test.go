package platform

import "testing"

// A loopback public URL takes the listener's real port, so the sandbox
// gateway's notifications reach this very process; any other is kept.
func TestLoopbackBase_OnlyLoopbackURLsTakeTheListenersPort(t *testing.T) {
	cases := []struct {
		public, addr, want string
		ok                 bool
	}{
		{"http://127.0.0.1", "127.0.0.1:43121", "http://127.0.0.1:43121", true},
		{"http://localhost:8080", "[::]:8080", "http://localhost:8080", true},
		{"http://localhost:8080/", "[::]:9090", "http://localhost:9090", true},
		{"http://[::1]:8080", "[::1]:5000", "http://[::1]:5000", true},
		{"https://api.doorstep.example", "[::]:8080", "", false},
		{"http://10.0.0.5:8080", "[::]:8080", "", false},
		{"", "[::]:8080", "", false},
	}
	for _, tc := range cases {
		got, ok := loopbackBase(tc.public, tc.addr)
		if got != tc.want || ok != tc.ok {
			t.Errorf("loopbackBase(%q, %q) = %q, %v; want %q, %v", tc.public, tc.addr, got, ok, tc.want, tc.ok)
		}
	}
}
