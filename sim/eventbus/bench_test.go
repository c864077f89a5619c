package eventbus

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkPublish measures the cost Publish adds to an API handler, per target type
// (delivery itself runs in the background; the receiver is a local httptest server).
func BenchmarkPublish(b *testing.B) {
	for _, c := range []struct{ name, target string }{
		{"no targets", ``},
		{"http target", `{"name":"w","type":"http","url":"URL"}`},
		{"sns target", `{"name":"s","type":"sns","url":"URL","signatureVersion":"2"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			rcv := newReceiver(b, nil)
			bus := New(Config{Clock: fixedClock, SigningKey: testKey(), MaxLog: 1000})
			defer bus.Close()
			target := strings.ReplaceAll(c.target, "URL", rcv.URL)
			if err := bus.ConfigureJSON([]byte(`{"targets":[` + target + `]}`)); err != nil {
				b.Fatal(err)
			}
			e := bus.LicenseUpdated(licenseInput())
			b.ResetTimer()
			for b.Loop() {
				bus.Publish(e)
			}
			b.StopTimer()
			if err := bus.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
