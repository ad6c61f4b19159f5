// sign.mjs: print the headers a sender would send with BODYFILE, made by the
// sender's own library where it has one (see README in this folder).
//
//   node sign.mjs SCHEME SECRET BODYFILE [ID] [TIMESTAMP] [EVENT]
//
// SCHEME is standard, stripe, github, slack or shopify. SECRET is written as
// in hookspool.conf (stripe: the whole whsec_ string; standard: whsec_ and
// base64). An omitted or "-" ID, TIMESTAMP or EVENT is not given: TIMESTAMP
// then defaults to now; standard needs an ID; the github and shopify id and
// event headers are printed only when given. Output: "Name: value" lines,
// ready for curl -H @-. Runs on Node 18 (Debian 12) and later.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const USAGE = 'usage: node sign.mjs standard|stripe|github|slack|shopify ' +
    'SECRET BODYFILE [ID] [TIMESTAMP] [EVENT]';

function usage(why) {
	process.stderr.write(`sign.mjs: ${why}\n${USAGE}\n`);
	process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length < 3 || argv.length > 6)
	usage('wrong number of arguments');
const given = (s) => s !== undefined && s !== '' && s !== '-';
const [scheme, secret, bodyfile] = argv;
if (!['standard', 'stripe', 'github', 'slack', 'shopify'].includes(scheme))
	usage(`unknown SCHEME: ${scheme}`);
const id = given(argv[3]) ? argv[3] : undefined;
const event = given(argv[5]) ? argv[5] : undefined;
let ts = Math.floor(Date.now() / 1000);
if (given(argv[4])) {
	if (!/^[0-9]{1,15}$/.test(argv[4]))
		usage(`TIMESTAMP must be a unix time in seconds: ${argv[4]}`);
	ts = Number(argv[4]);
}
if (secret === '')
	usage('empty SECRET');
for (const [what, v] of [['ID', id], ['EVENT', event]])
	if (v !== undefined && /[\x00-\x1f\x7f]/.test(v))
		usage(`${what} holds a control character`);

let raw;
try {
	raw = readFileSync(bodyfile);
} catch (e) {
	usage(`cannot read ${bodyfile}: ${e.message}`);
}
// The senders' libraries sign strings: a body that is not UTF-8 would not
// survive the round trip, so it is refused rather than signed wrongly.
const body = raw.toString('utf8');
if (!Buffer.from(body, 'utf8').equals(raw))
	usage(`${bodyfile} is not valid UTF-8`);

const out = [];
const hmac = (key, data) => createHmac('sha256', key).update(data);

switch (scheme) {
case 'standard': {
	if (id === undefined)
		usage('standard needs an ID (webhook-id is signed)');
	const { Webhook } = await import('standardwebhooks');
	let wh;
	try {
		wh = new Webhook(secret);
	} catch (e) {
		usage(`bad standard secret: ${e.message}`);
	}
	out.push(`webhook-id: ${id}`, `webhook-timestamp: ${ts}`,
	    `webhook-signature: ${wh.sign(id, new Date(ts * 1000), body)}`);
	break;
}
case 'stripe': {
	// stripe-node takes a timestamp of 0 as "now".
	if (ts === 0)
		usage('stripe cannot sign at TIMESTAMP 0');
	const { default: Stripe } = await import('stripe');
	out.push('Stripe-Signature: ' + Stripe.webhooks.generateTestHeaderString(
	    { payload: body, secret, timestamp: ts }));
	break;
}
case 'github': {
	const { sign } = await import('@octokit/webhooks-methods');
	out.push(`X-Hub-Signature-256: ${await sign(secret, body)}`);
	if (id !== undefined)
		out.push(`X-GitHub-Delivery: ${id}`);
	if (event !== undefined)
		out.push(`X-GitHub-Event: ${event}`);
	break;
}
case 'slack':
	// Slack's SDKs verify but do not sign; this is the documented
	// computation: v0= and the hex HMAC of "v0:TS:body".
	out.push(`X-Slack-Request-Timestamp: ${ts}`, 'X-Slack-Signature: v0=' +
	    hmac(secret, `v0:${ts}:`).update(raw).digest('hex'));
	break;
case 'shopify':
	// Shopify publishes no signer: base64 HMAC of the body. It sends both
	// id headers; here they carry the same ID.
	out.push('X-Shopify-Hmac-Sha256: ' +
	    hmac(secret, raw).digest('base64'));
	if (event !== undefined)
		out.push(`X-Shopify-Topic: ${event}`);
	if (id !== undefined)
		out.push(`X-Shopify-Event-Id: ${id}`, `X-Shopify-Webhook-Id: ${id}`);
	break;
default:
	usage(`unknown SCHEME: ${scheme}`);
}
process.stdout.write(out.join('\n') + '\n');
