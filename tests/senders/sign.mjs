// sign.mjs: print the headers a sender would send with BODYFILE, made by the
// sender's own library where it has one (see README in this folder).
//
//   node sign.mjs SCHEME SECRET BODYFILE [ID] [TIMESTAMP] [EVENT]
//
// SCHEME is standard, stripe, github, slack, shopify, paddle, square,
// hubspot, twilio, discord or sendgrid. SECRET is written as in
// hookspool.conf (stripe: the whole whsec_ string; standard: whsec_ and
// base64); for discord and sendgrid it is the path of a PEM private key
// (Ed25519; P-256), whose public key goes into public_key =. square,
// hubspot and twilio sign the URL in the environment's SIGN_URL. An
// omitted or "-" ID, TIMESTAMP or EVENT is not given: TIMESTAMP then
// defaults to now; standard needs an ID; the github and shopify id and
// event headers are printed only when given. Where a sender's library
// only verifies, the headers are made as its docs say and that library
// must accept them, or sign.mjs fails. Output: "Name: value" lines, ready
// for curl -H @-. Runs on Node 18 (Debian 12) and later.

import { createHmac, createPrivateKey, sign as pkSign } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const SCHEMES = ['standard', 'stripe', 'github', 'slack', 'shopify', 'paddle',
    'square', 'hubspot', 'twilio', 'discord', 'sendgrid'];
const USAGE = `usage: node sign.mjs ${SCHEMES.join('|')} ` +
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
if (!SCHEMES.includes(scheme))
	usage(`unknown SCHEME: ${scheme}`);
const url = process.env.SIGN_URL;
if (['square', 'hubspot', 'twilio'].includes(scheme) && !url)
	usage(`${scheme} signs the URL: set SIGN_URL`);
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
if (['discord', 'sendgrid'].includes(scheme)) {
	try {
		readFileSync(secret);
	} catch (e) {
		usage(`${scheme} takes the path of a PEM private key: ${e.message}`);
	}
}
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
const require = createRequire(import.meta.url);
const refused = (lib) => {
	process.stderr.write(`sign.mjs: ${lib} refuses what its docs say to send\n`);
	process.exit(1);
};

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
case 'paddle': {
	// Paddle's SDK verifies only: ts=;h1= as its docs say, checked by it.
	const h1 = hmac(secret, `${ts}:`).update(raw).digest('hex');
	const header = `ts=${ts};h1=${h1}`;
	// A Paddle client sets up the SDK's crypto; it makes no request.
	const { Paddle } = await import('@paddle/paddle-node-sdk');
	const paddle = new Paddle('sign.mjs-makes-no-request');
	if (!await paddle.webhooks.isSignatureValid(body, secret, header))
		refused('@paddle/paddle-node-sdk');
	out.push(`Paddle-Signature: ${header}`);
	break;
}
case 'square': {
	const sig = hmac(secret, url).update(raw).digest('base64');
	const { WebhooksHelper } = require('square');
	if (!await WebhooksHelper.verifySignature({ requestBody: body,
	    signatureHeader: sig, signatureKey: secret, notificationUrl: url }))
		refused('square');
	out.push(`x-square-hmacsha256-signature: ${sig}`);
	break;
}
case 'hubspot': {
	// The SDK's own signer; its check wants the timestamp recent.
	const { Signature } = require('@hubspot/api-client/lib/src/utils/signature');
	const ms = ts * 1000;
	const sig = Signature.getSignature('POST', 'v3', { clientSecret: secret,
	    requestBody: body, url, timestamp: ms });
	out.push(`X-HubSpot-Signature-v3: ${sig}`,
	    `X-HubSpot-Request-Timestamp: ${ms}`);
	break;
}
case 'twilio': {
	// The fields as Express would give them: a repeated one an array.
	const params = {};
	for (const [k, v] of new URLSearchParams(body))
		params[k] = k in params ? [].concat(params[k], v) : v;
	const twilio = require('twilio');
	const sig = twilio.getExpectedTwilioSignature(secret, url, params);
	if (!twilio.validateRequest(secret, sig, url, params))
		refused('twilio');
	out.push(`X-Twilio-Signature: ${sig}`);
	break;
}
case 'discord': {
	// Discord signs with its own key: here a key of ours, checked by
	// discord-interactions with the public key.
	const key = createPrivateKey(readFileSync(secret));
	const sig = pkSign(null, Buffer.concat([Buffer.from(String(ts)), raw]),
	    key).toString('hex');
	const pub = key.export({ format: 'jwk' }).x;
	const { verifyKey } = await import('discord-interactions');
	if (!await verifyKey(raw, sig, String(ts),
	    Buffer.from(pub, 'base64url').toString('hex')))
		refused('discord-interactions');
	out.push(`X-Signature-Ed25519: ${sig}`, `X-Signature-Timestamp: ${ts}`);
	break;
}
case 'sendgrid': {
	// SendGrid's library verifies with starkbank-ecdsa, which signs too.
	const { PrivateKey, Ecdsa } = require('starkbank-ecdsa');
	const { EventWebhook } = require('@sendgrid/eventwebhook');
	const pem = readFileSync(secret, 'utf8');
	const key = PrivateKey.fromPem(pem);
	const sig = Ecdsa.sign(`${ts}${body}`, key).toBase64();
	const pub = key.publicKey().toPem();
	const ew = new EventWebhook();
	if (!ew.verifySignature(ew.convertPublicKeyToECDSA(pub), body, sig,
	    String(ts)))
		refused('@sendgrid/eventwebhook');
	out.push(`X-Twilio-Email-Event-Webhook-Signature: ${sig}`,
	    `X-Twilio-Email-Event-Webhook-Timestamp: ${ts}`);
	break;
}
default:
	usage(`unknown SCHEME: ${scheme}`);
}
process.stdout.write(out.join('\n') + '\n');
