// Package attribution splits conversions (and their value) among the
// marketing channels that touched a customer before converting.
//
// # Input
//
// Every model takes a []Path: one ordered sequence of channel touches with
// the number of conversions, the conversion value and the number of
// non-converting ("null") journeys that followed exactly that sequence. A
// Path may stand for one customer journey (Conversions 1 or 0, Nulls 0 or 1)
// or for an aggregated row of many identical journeys, the exchange format
// of attribution tools (ChannelAttribution's total_conversions,
// total_conversion_value and total_null columns); ReadPaths reads such files
// and WritePaths writes them.
//
// The package does not know where paths come from. The conversion semantics
// a journey source must follow are:
//
//   - a journey ends at the chosen conversion event; the path is the
//     channels of the touches before that event, in time order (ties in load
//     order), restricted to the lookback window [conversion − lookback,
//     conversion]; it counts Conversions = 1 and Value = the event's
//     revenue, ConvTime = the conversion's time;
//   - a customer (or a journey segment after the last conversion) that does
//     not reach the conversion event within the window counts Nulls = 1,
//     with the touches of its window as its path;
//   - touches are recorded in Times (UTC milliseconds) when time-decay is
//     wanted; every other model ignores Times.
//
// A path with no channel at all (a conversion with no touch in the window)
// cannot be credited to any channel: every model leaves it out and reports
// its conversions and value in Result.Unattributed, so that the rows of a
// Result always sum to Result.TotalConversions.
//
// # Models
//
// Heuristic models (FirstTouch, LastTouch, Linear, PositionBased,
// TimeDecay) give each converting path's conversions to its touches by a
// fixed rule. Markov computes ChannelAttribution's removal-effect
// attribution on a Markov chain of order 1 to 4, solved exactly as a linear
// system, optionally with the Monte Carlo estimate alongside. Shapley
// computes the Shapley value of the coalition game whose worth v(S) is the
// conversions of the paths whose channel set is contained in S. Each
// model's definition, in one or two lines, is in Definitions for command
// help texts.
//
// # Output
//
// A Result holds one Row per channel, sorted by channel name, with the
// attributed conversions, attributed value and share of all attributed
// conversions. Rows of every model sum to TotalConversions and TotalValue
// up to floating-point rounding.
package attribution
