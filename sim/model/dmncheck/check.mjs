// Checks an exported DMN 1.3 decision model with tooling independent of
// the workbench:
//
//   1. dmn-moddle parses it (fromXML) with zero warnings;
//   2. dmn-moddle writes it back (toXML) and parses that again with zero
//      warnings, giving the same inputs, outputs and rules;
//   3. for every case of the cases file, feelin evaluates the input
//      entries (unaryTest with ? = the input's value, null when missing)
//      and output entries (evaluate) and the hit policy is applied here:
//      FIRST = first matching rule; PRIORITY = the matching rule whose
//      outputs come first in the outputValues lists (compared output by
//      output); no match = the outputs' defaultOutputEntry. The decision
//      (action, rule id) must equal the case's expected one.
//
// Usage: node check.mjs MODEL.dmn CASES.json
// CASES.json: {"cases": [{"id": "...", "values": {"input": value|null, ...},
//                         "expect": {"action": "...", "rule": "r3"|"default"}}]}
// Prints a JSON summary on stdout; exits 1 on any failure.
import { DmnModdle } from 'dmn-moddle';
import { unaryTest, evaluate } from 'feelin';
import fs from 'node:fs';

const [, , dmnPath, casesPath] = process.argv;
if (!dmnPath || !casesPath) {
  console.error('usage: node check.mjs MODEL.dmn CASES.json');
  process.exit(2);
}

const failures = [];
const fail = (msg) => { failures.push(msg); };

const moddle = new DmnModdle();
const xml = fs.readFileSync(dmnPath, 'utf8');
const first = await moddle.fromXML(xml, 'dmn:Definitions');
for (const w of first.warnings) fail(`dmn-moddle warning: ${w.message}`);
const defs = first.rootElement;

const tableOf = (d) => {
  const tables = (d.drgElement || []).filter((e) => e.$type === 'dmn:Decision' && e.decisionLogic && e.decisionLogic.$type === 'dmn:DecisionTable');
  if (tables.length !== 1) throw new Error(`expected one decision table, found ${tables.length}`);
  return tables[0].decisionLogic;
};

// shape reduces a table to what must survive a round trip.
const shape = (dt) => JSON.stringify({
  hitPolicy: dt.hitPolicy,
  inputs: dt.input.map((i) => [i.id, i.label, i.inputExpression.typeRef, i.inputExpression.text]),
  outputs: dt.output.map((o) => [o.id, o.name, o.typeRef, o.outputValues && o.outputValues.text, o.defaultOutputEntry && o.defaultOutputEntry.text]),
  rules: dt.rule.map((r) => [r.id, r.inputEntry.map((e) => e.text), r.outputEntry.map((e) => e.text), (r.annotationEntry || []).map((a) => a.text)]),
});

const dt = tableOf(defs);
const { xml: written } = await moddle.toXML(defs, { format: true });
const second = await moddle.fromXML(written, 'dmn:Definitions');
for (const w of second.warnings) fail(`dmn-moddle warning after round trip: ${w.message}`);
if (shape(tableOf(second.rootElement)) !== shape(dt)) fail('the decision table changed in the dmn-moddle round trip (toXML then fromXML)');
const ext = (defs.extensionElements && defs.extensionElements.values) || [];
const meta = ext.find((v) => v.$type === 'jw:metadata');
if (!meta) fail('no jw:metadata element under extensionElements');
else JSON.parse(meta.$body);

// feelin, memoised per (entry, value): each distinct pair is evaluated once.
const memo = new Map();
const test = (entry, value) => {
  const key = entry + '\u0000' + JSON.stringify(value);
  let r = memo.get(key);
  if (r === undefined) {
    const res = unaryTest(entry, { '?': value });
    if (res.warnings && res.warnings.length) fail(`feelin warnings on ${entry} with ${JSON.stringify(value)}: ${res.warnings.map((w) => w.message).join('; ')}`);
    r = res.value === true;
    memo.set(key, r);
  }
  return r;
};
const outMemo = new Map();
const value = (text) => {
  let r = outMemo.get(text);
  if (r === undefined) {
    const res = evaluate(text, {});
    if (res.warnings && res.warnings.length) fail(`feelin warnings on output ${text}: ${res.warnings.map((w) => w.message).join('; ')}`);
    r = res.value;
    outMemo.set(text, r);
  }
  return r;
};

const names = dt.input.map((i) => i.inputExpression.text);
const outNames = dt.output.map((o) => o.name);
const actionOut = outNames.indexOf('action');
if (actionOut < 0) fail('no output named action');
// Priority lists: per output, its outputValues evaluated in order.
const prio = dt.output.map((o) => (o.outputValues ? value('[' + o.outputValues.text + ']') : null));
const rank = (rule) => dt.output.map((o, k) => (prio[k] ? prio[k].indexOf(value(rule.outputEntry[k].text)) : 0));
const before = (a, b) => { for (let k = 0; k < a.length; k++) { if (a[k] !== b[k]) return a[k] < b[k]; } return false; };
const hp = dt.hitPolicy || 'UNIQUE';
if (hp !== 'FIRST' && hp !== 'PRIORITY') fail(`hit policy ${hp} is not FIRST or PRIORITY`);
// Output values named in outputValues must include every rule's output.
dt.rule.forEach((r) => dt.output.forEach((o, k) => {
  if (prio[k] && prio[k].indexOf(value(r.outputEntry[k].text)) < 0) fail(`rule ${r.id}: output ${o.name} = ${r.outputEntry[k].text} is not among its outputValues`);
}));

const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8')).cases;
let entries = 0;
let mismatches = 0;
for (const c of cases) {
  const vals = names.map((n) => (c.values[n] === undefined ? null : c.values[n]));
  let chosen = null;
  let chosenRank = null;
  for (const r of dt.rule) {
    let ok = true;
    for (let j = 0; j < r.inputEntry.length && ok; j++) {
      entries++;
      ok = test(r.inputEntry[j].text, vals[j]);
    }
    if (!ok) continue;
    if (hp === 'FIRST') { chosen = r; break; }
    const rk = rank(r);
    if (chosen === null || before(rk, chosenRank)) { chosen = r; chosenRank = rk; }
  }
  let action;
  let rule;
  if (chosen) {
    action = value(chosen.outputEntry[actionOut].text);
    rule = chosen.id;
  } else {
    const d = dt.output[actionOut].defaultOutputEntry;
    action = d ? value(d.text) : null;
    rule = 'default';
  }
  if (action !== c.expect.action || rule !== c.expect.rule) {
    mismatches++;
    if (mismatches <= 5) fail(`case ${c.id}: DMN via feelin decides ${action} by ${rule}, the workbench ${c.expect.action} by ${c.expect.rule}`);
  }
}
if (mismatches > 5) fail(`… ${mismatches} mismatching cases in all`);

const summary = {
  file: dmnPath,
  hitPolicy: hp,
  inputs: names.length,
  rules: dt.rule.length,
  cases: cases.length,
  mismatches,
  entriesEvaluated: entries,
  distinctFeelinTests: memo.size,
  warnings: first.warnings.length + second.warnings.length,
  failures,
};
console.log(JSON.stringify(summary));
process.exit(failures.length ? 1 : 0);
