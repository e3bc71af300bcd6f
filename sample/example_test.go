package sample_test

import (
	"fmt"

	"github.com/journeyworkbench/workbench/sample"
)

// The true expected reward of each action for a high-value customer who
// left a cart, with no recent contacts: p·V·(1 − discount) − fixed cost.
func ExampleResponseModel_ExpectedReward() {
	m := sample.TrueModel()
	for _, a := range sample.Actions {
		fmt.Printf("%-13s p=%.3f E[r]=%7.2f\n", a,
			m.ConversionProb("high_value", sample.TriggerCart, a, 0),
			m.ExpectedReward("high_value", sample.TriggerCart, a, 0))
	}
	// Output:
	// none          p=0.050 E[r]=  21.00
	// email_offer   p=0.060 E[r]=  25.10
	// sms_discount  p=0.050 E[r]=  18.50
	// push_reminder p=0.050 E[r]=  20.98
	// call_back     p=0.160 E[r]=  63.20
}

// Fatigue: each recent contact multiplies the uplift by the segment's
// fatigue factor (0.85 for deal seekers): 0.06 + 0.16·0.85².
func ExampleResponseModel_ConversionProb() {
	m := sample.TrueModel()
	fmt.Printf("%.4f\n", m.ConversionProb("deal_seeker", sample.TriggerCart, sample.ActionSMS, 2))
	// Output: 0.1756
}

func ExampleNormalizeID() {
	fmt.Println(sample.NormalizeID("phone", "07700 900123"))
	fmt.Println(sample.NormalizeID("email", " Jane.Doe1@Example.com "))
	// Output:
	// +447700900123
	// jane.doe1@example.com
}
