package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// putSimTargets sets the simulator's event delivery (PUT /_sim/events) to one http target, as an
// EventBridge API destination: the organization's EventBridge webhook hookURL, with the secret
// in the header the webhook reads (dealdesk.InboundSecretHeader).
func putSimTargets(ctx context.Context, simURL, hookURL, secret string) error {
	body, err := json.Marshal(map[string]any{"targets": []map[string]any{{"name": "dealdesk", "type": "http",
		"url": hookURL, "secretHeader": dealdesk.InboundSecretHeader, "secret": secret}}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, simURL+"/_sim/events", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("set the simulator's event target: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("set the simulator's event target: %s: %s", resp.Status, b)
	}
	return nil
}
