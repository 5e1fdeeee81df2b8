import { bytesToBase64, randomToken } from "../encoding";

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** RFC 2047 for a header that is not plain ASCII. */
function encodeHeader(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${bytesToBase64(new TextEncoder().encode(value))}?=`;
}

/**
 * A text/plain RFC 5322 message, as Cloudflare's send_email binding wants it: it refuses one without a
 * Message-ID. The body is base64 (76-column lines), so any UTF-8 text and line length is safe.
 */
export function buildMimeMessage(message: MailMessage, now: Date): string {
  const domain = message.from.slice(message.from.lastIndexOf("@") + 1);
  const body = bytesToBase64(new TextEncoder().encode(message.text)).replace(/.{76}/g, "$&\r\n");
  return [
    `From: ${message.from}`,
    `To: ${message.to}`,
    `Subject: ${encodeHeader(message.subject)}`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <${randomToken()}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    body,
  ].join("\r\n");
}
