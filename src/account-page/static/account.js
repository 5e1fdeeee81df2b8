// @ts-check
// The account security page's script (served from /account/static/account.js; the CSP allows no inline
// code): passkey ceremonies, which need the browser's WebAuthn API. Every other form works without it.
// It calls the same JSON API as any client: options from the server, the browser's answer back to it.
"use strict";

/** The CSRF cookie's value, sent back as X-CSRFToken on cookie-authenticated unsafe calls. */
function csrfToken() {
  const match = document.cookie.split("; ").find((pair) => pair.startsWith("csrftoken="));
  return match ? decodeURIComponent(match.slice("csrftoken=".length)) : "";
}

/**
 * @param {string} path
 * @param {unknown} body
 * @returns {Promise<any>}
 */
async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const messages = Object.values(answer)
      .flat()
      .filter((m) => typeof m === "string");
    throw new Error(messages[0] ?? "That did not work.");
  }
  return answer;
}

/**
 * Shows what went wrong beside the control that started it.
 * @param {HTMLElement} control
 * @param {string} message
 */
function showProblem(control, message) {
  const box = document.getElementById(`${control.id}-problem`);
  if (box) {
    box.textContent = message;
    box.hidden = false;
  }
}

/** @param {unknown} error */
const messageOf = (error) =>
  error instanceof DOMException && error.name === "NotAllowedError"
    ? "The passkey request was cancelled or timed out."
    : error instanceof Error
      ? error.message
      : "That did not work.";

/** @param {any} options */
async function createPasskey(options) {
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error("No passkey was made.");
  return credential.toJSON();
}

/** @param {any} options */
async function getPasskey(options) {
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error("No passkey was chosen.");
  return credential.toJSON();
}

/** Each ceremony, by the form's `data-passkey`: its work, and where the page goes after it. */
const CEREMONIES = {
  /** @param {HTMLFormElement} form */
  async register(form) {
    const name = new FormData(form).get("name");
    const credential = await createPasskey(await post("/auth/passkeys/register/options/", {}));
    await post("/auth/passkeys/register/", { name: typeof name === "string" ? name : "", credential });
    return "/account/security/?notice=passkey-added";
  },
  /** @param {HTMLFormElement} form */
  async "sign-in"(form) {
    const credential = await getPasskey(await post("/auth/passkeys/login/options/", {}));
    await post("/auth/passkeys/login/", { credential });
    return form.dataset.next ?? "/account/security/";
  },
  /** @param {HTMLFormElement} form */
  async "second-factor"(form) {
    const mfaToken = new FormData(form).get("mfa_token");
    const options = await post("/auth/login/mfa/passkey/options/", { mfa_token: mfaToken });
    await post("/auth/login/mfa/", { mfa_token: mfaToken, credential: await getPasskey(options) });
    return form.dataset.next ?? "/account/security/";
  },
};

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.passkey) return;
  event.preventDefault();
  const ceremony = CEREMONIES[/** @type {keyof typeof CEREMONIES} */ (form.dataset.passkey)];
  if (!ceremony || !window.PublicKeyCredential) {
    showProblem(form, "This browser cannot use passkeys.");
    return;
  }
  ceremony(form).then(
    (next) => location.assign(next),
    (error) => showProblem(form, messageOf(error)),
  );
});
