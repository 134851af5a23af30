import type { Password, HashedPassword, SetHumanEmail, SetHumanPhone, SetHumanProfile } from "../../../gen/zitadel/user/v2/user_pb.js";
import type { NewHuman } from "../../domain/user/create.js";

interface HumanRequest {
  username?: string;
  profile?: SetHumanProfile;
  email?: SetHumanEmail;
  phone?: SetHumanPhone;
  passwordType:
    | { case: "password"; value: Password }
    | { case: "hashedPassword"; value: HashedPassword }
    | { case: undefined; value?: undefined };
}

/** Maps the human fields shared by AddHumanUser and CreateUser onto the domain input. */
export function toNewHuman(req: HumanRequest, passwordHash: string | undefined): NewHuman {
  const email = req.email?.email ?? "";
  const profile = req.profile;
  const password = req.passwordType.value;
  const hash = req.passwordType.case === "hashedPassword" ? req.passwordType.value.hash : passwordHash;
  return {
    username: req.username || email,
    profile: {
      givenName: profile?.givenName ?? "",
      familyName: profile?.familyName ?? "",
      nickName: profile?.nickName,
      displayName: profile?.displayName,
      preferredLanguage: profile?.preferredLanguage,
      gender: profile?.gender,
    },
    email: { address: email, verified: req.email?.verification.case === "isVerified" && req.email.verification.value },
    phone: req.phone?.phone
      ? { number: req.phone.phone, verified: req.phone.verification.case === "isVerified" && req.phone.verification.value }
      : undefined,
    passwordHash: hash || undefined,
    passwordChangeRequired: password?.changeRequired ?? false,
  };
}
