package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sim"
)

// devFileName is the file in dev's data folder that holds what a client needs.
const devFileName = "dev.json"

// devAccessKeyID and devSecretAccessKey are the static keys of the demo organization's AWS
// connection: the simulator takes any key that is not one of its seed's accounts as the seller.
const (
	devAccessKeyID     = "AKIADEALDESKDEV00000"
	devSecretAccessKey = "dealdesk-dev-secret-access-key"
)

// devInfo is dev.json: what a client of `dealdesk dev` needs.
type devInfo struct {
	APIURL            string `json:"apiUrl"` // the REST API's base, http://host:port/api/v1
	APIKey            string `json:"apiKey"`
	SimURL            string `json:"simUrl"`
	OrgID             string `json:"orgId"`
	ProductID         string `json:"productId"` // dealdesk's ID (prd_...) of the seed's first product
	ResellerAccountID string `json:"resellerAccountId"`
	BuyerAccountID    string `json:"buyerAccountId"`
	// ConsoleURL is the web console; ConsoleEmail and ConsolePassword sign the demo user in.
	ConsoleURL      string `json:"consoleUrl"`
	ConsoleEmail    string `json:"consoleEmail"`
	ConsolePassword string `json:"consolePassword"`
}

// wireDev makes the running service and simulator one demo: it finds the demo organization by
// its API key (dev.json's, or the key file the first start wrote), sets its AWS connection to
// the simulator, rotates its inbound secret and points the simulator's events at its
// EventBridge webhook with it, registers the seed's products and saves the seed's first
// reseller and buyer. Every step creates or replaces, so a second run adds nothing.
func wireDev(ctx context.Context, svc *service, seed sim.Seed, simURL, dir, keyFile string) (*devInfo, error) {
	if len(seed.Products) == 0 || len(seed.Resellers) == 0 || len(seed.Buyers) == 0 {
		return nil, errors.New("the simulator's seed needs a product, a reseller and a buyer")
	}
	key, err := devAPIKey(filepath.Join(dir, devFileName), keyFile)
	if err != nil {
		return nil, err
	}
	k, err := svc.db.AuthenticateAPIKey(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("the API key kept in %s does not open the database there (%s): remove the folder to start over", dir, dealdesk.ErrorMessage(err))
	}
	ctx = dealdesk.NewContextWithOrgID(ctx, k.OrgID)
	apiBase := "http://" + svc.addr

	if _, err := svc.db.SaveAWSConnection(ctx, dealdesk.AWSConnectionInput{SellerAccountID: seed.Seller.AccountID,
		Region: sim.DefaultRegion, CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: devAccessKeyID,
		SecretAccessKey: devSecretAccessKey, EndpointURL: simURL}); err != nil {
		return nil, fmt.Errorf("save the AWS connection: %w", err)
	}
	ep, secret, err := svc.db.RotateInboundSecret(ctx)
	if err != nil {
		return nil, fmt.Errorf("make the inbound secret: %w", err)
	}
	if err := putSimTargets(ctx, simURL, apiBase+"/hooks/aws/eventbridge/"+ep.OrgKey, secret); err != nil {
		return nil, err
	}

	info := &devInfo{APIURL: apiBase + "/api/v1", APIKey: key, SimURL: simURL, OrgID: k.OrgID,
		ResellerAccountID: seed.Resellers[0].AccountID, BuyerAccountID: seed.Buyers[0].AccountID}
	for i, p := range seed.Products {
		id, err := registerSeedProduct(ctx, svc, p)
		if err != nil {
			return nil, fmt.Errorf("register the product %s: %w", p.ProductID, err)
		}
		if i == 0 {
			info.ProductID = id
		}
	}
	if _, err := svc.db.SaveReseller(ctx, seed.Resellers[0].AccountID, seed.Resellers[0].LegalName); err != nil {
		return nil, fmt.Errorf("save the reseller: %w", err)
	}
	if _, err := svc.db.SaveBuyer(ctx, seed.Buyers[0].AccountID, seed.Buyers[0].LegalName); err != nil {
		return nil, fmt.Errorf("save the buyer: %w", err)
	}
	info.ConsoleURL = apiBase + "/"
	info.ConsoleEmail, info.ConsolePassword, err = devConsoleUser(ctx, svc, k.OrgID, filepath.Join(dir, devFileName))
	if err != nil {
		return nil, fmt.Errorf("make the console's demo user: %w", err)
	}
	return info, nil
}

// devAPIKey returns the demo organization's API key: dev.json's when it exists, else the one
// the first start wrote to keyFile.
func devAPIKey(devFile, keyFile string) (string, error) {
	b, err := os.ReadFile(devFile)
	if err == nil {
		var info devInfo
		if err := json.Unmarshal(b, &info); err != nil || info.APIKey == "" {
			return "", fmt.Errorf("%s holds no API key: remove its folder to start over", devFile)
		}
		return info.APIKey, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	b, err = os.ReadFile(keyFile)
	if err != nil {
		return "", fmt.Errorf("neither %s nor the first start's key file can be read (%w): remove the folder to start over", devFile, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// devConsoleEmail is the demo user's email.
const devConsoleEmail = "demo@dealdesk.local"

// devConsoleUser returns the email and password of the demo organization's console user: the
// ones dev.json keeps when they still sign in, else a new random password, given to a new
// demo user or set on the existing one (a dev.json of an older dealdesk kept none).
func devConsoleUser(ctx context.Context, svc *service, orgID, devFile string) (email, password string, err error) {
	if b, err := os.ReadFile(devFile); err == nil {
		var old devInfo
		if json.Unmarshal(b, &old) == nil && old.ConsoleEmail == devConsoleEmail && old.ConsolePassword != "" {
			if u, err := svc.db.AuthenticateUser(ctx, old.ConsoleEmail, old.ConsolePassword); err == nil && u.OrgID == orgID {
				return old.ConsoleEmail, old.ConsolePassword, nil
			}
		}
	}
	raw := make([]byte, 15)
	_, _ = rand.Read(raw)                                // never fails (crypto/rand)
	password = base64.RawURLEncoding.EncodeToString(raw) // 20 characters
	_, err = svc.db.CreateUser(ctx, orgID, devConsoleEmail, "Demo", password)
	if dealdesk.ErrorCode(err) == dealdesk.ECONFLICT {
		err = svc.db.SetUserPassword(ctx, orgID, devConsoleEmail, password)
	}
	if err != nil {
		return "", "", err
	}
	return devConsoleEmail, password, nil
}

// registerSeedProduct registers the seed's product p unless the organization has it already,
// and returns its dealdesk ID. Its dimensions keep their kind (Entitled: ENTITLED,
// ExternallyMetered: METERED) and its metering mode becomes the product's metering identity.
func registerSeedProduct(ctx context.Context, svc *service, p sim.Product) (string, error) {
	found, _, err := svc.db.FindProducts(ctx, dealdesk.ProductFilter{ExternalID: p.ProductID, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(found) > 0 {
		return found[0].ID, nil
	}
	in := dealdesk.ProductInput{ExternalID: p.ProductID, ProductCode: p.ProductCode, Title: p.Title,
		MeteringIdentity: dealdesk.MeteringByLicense}
	if p.MeteringMode == sim.MeteringCustomerIdentifier {
		in.MeteringIdentity = dealdesk.MeteringByCustomerIdentifier
	}
	for _, d := range p.Dimensions {
		kind, ok := dealdesk.DimensionKindOf(d.Types)
		if !ok {
			continue
		}
		in.Dimensions = append(in.Dimensions, dealdesk.Dimension{Key: d.Key, Name: d.Name, Unit: d.Unit, Kind: kind})
	}
	created, err := svc.db.CreateProduct(ctx, in)
	if err != nil {
		return "", err
	}
	return created.ID, nil
}

// writeDevFile writes info to path as JSON, readable by its owner only (mode 0600): it is
// written to a new file next to it and renamed over path.
func writeDevFile(path string, info *devInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dev-*.json")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Chmod(0o600) // CreateTemp makes it 0600 already; say so
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// printDev prints what dev.json holds.
func printDev(env Env, info *devInfo, path string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fmt.Fprintf(env.Stdout, "dealdesk dev: ready; these values are in %s:\n", abs)
	for _, kv := range [][2]string{{"apiUrl", info.APIURL}, {"apiKey", info.APIKey}, {"simUrl", info.SimURL},
		{"orgId", info.OrgID}, {"productId", info.ProductID}, {"resellerAccountId", info.ResellerAccountID},
		{"buyerAccountId", info.BuyerAccountID}, {"consoleUrl", info.ConsoleURL}, {"consoleEmail", info.ConsoleEmail},
		{"consolePassword", info.ConsolePassword}} {
		fmt.Fprintf(env.Stdout, "  %-18s %s\n", kv[0], kv[1])
	}
}
