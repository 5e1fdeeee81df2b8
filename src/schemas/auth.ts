import { z } from "@hono/zod-openapi";
import { passwordProblems } from "../auth/password-rules";
import { body, email, newEmail, optionalString, password, text, username } from "./fields";
import type { SignedIn } from "../auth/sign-in";
import type { SessionTokens } from "../auth/sessions";
import { serializeUser, userSchema } from "./user";

export const registrationSchema = body({
  username: username(),
  email: newEmail(),
  password1: password(),
  password2: password(),
})
  .superRefine((data, ctx) => {
    if (data.password1 !== data.password2) {
      ctx.addIssue({ code: "custom", path: [], message: "The two password fields didn't match." });
      return;
    }
    for (const message of passwordProblems(data.password1, data)) {
      ctx.addIssue({ code: "custom", path: ["password1"], message });
    }
  })
  .openapi("Register");

const optionalIdentifier = optionalString().transform((v) => v?.trim() || undefined);

export const loginSchema = body({
  username: optionalIdentifier,
  email: optionalIdentifier.openapi({ format: "email" }),
  password: password(),
})
  .superRefine((data, ctx) => {
    if (!data.username && !data.email) {
      ctx.addIssue({ code: "custom", path: [], message: 'Must include either "username" or "email" and "password".' });
    }
  })
  .openapi("Login");

const optionalToken = optionalString();

export const refreshRequestSchema = body({ refresh: optionalToken }).openapi("TokenRefresh");
export const logoutSchema = body({ refresh: optionalToken }).openapi("Logout");
export const verifySchema = body({ token: password() }).openapi("TokenVerify");

/** Django's SetPasswordForm: a mismatch is reported on `new_password2`. */
function newPasswordsMatch(data: { new_password1: string; new_password2: string }, ctx: z.RefinementCtx) {
  if (data.new_password1 !== data.new_password2) {
    ctx.addIssue({ code: "custom", path: ["new_password2"], message: "The two password fields didn’t match." });
  }
}

export const passwordChangeSchema = body({
  old_password: optionalString(),
  new_password1: password(),
  new_password2: password(),
})
  .superRefine(newPasswordsMatch)
  .openapi("PasswordChange");

export const passwordResetSchema = body({ email: email() }).openapi("PasswordReset");

export const passwordResetConfirmSchema = body({
  uid: text(64),
  token: text(128),
  new_password1: password(),
  new_password2: password(),
})
  .superRefine(newPasswordsMatch)
  .openapi("PasswordResetConfirm");

export const verifyEmailSchema = body({ key: text(128) }).openapi("VerifyEmail");
export const resendEmailSchema = body({ email: email() }).openapi("ResendEmailVerification");

const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-29T04:18:31.123Z" });

export const loginResponseSchema = z
  .object({
    access: z.string(),
    refresh: z.string().openapi({ description: '"" when the refresh token travels only as an HttpOnly cookie' }),
    user: userSchema,
    access_expiration: timestamp,
    refresh_expiration: timestamp,
  })
  .openapi("JWT");

export const refreshResponseSchema = z
  .object({
    access: z.string(),
    access_expiration: timestamp,
    refresh: z.string().optional().openapi({ description: "only while JWT_AUTH_HTTPONLY is off" }),
    refresh_expiration: timestamp.optional(),
  })
  .openapi("TokenRefreshResponse");

export const csrfResponseSchema = z.object({ csrfToken: z.string() }).openapi("CsrfToken");

export type LoginPayload = z.infer<typeof loginResponseSchema>;

/** dj-rest-auth's login payload; `refresh` is "" while the refresh token travels only as an HttpOnly cookie. */
export function serializeLoginPayload({ account, tokens }: SignedIn, refreshOnlyInCookie: boolean): LoginPayload {
  return {
    access: tokens.access,
    refresh: refreshOnlyInCookie ? "" : tokens.refresh,
    user: serializeUser(account),
    access_expiration: tokens.accessExpiration.toISOString(),
    refresh_expiration: tokens.refreshExpiration.toISOString(),
  };
}

/** simplejwt's refresh answer; with JWT_AUTH_HTTPONLY on, no refresh token ever appears in a body. */
export function serializeRefreshed(
  tokens: SessionTokens,
  refreshOnlyInCookie: boolean,
): z.infer<typeof refreshResponseSchema> {
  const access = { access: tokens.access, access_expiration: tokens.accessExpiration.toISOString() };
  if (refreshOnlyInCookie) return access;
  return { ...access, refresh: tokens.refresh, refresh_expiration: tokens.refreshExpiration.toISOString() };
}
