/** The issue codes {@link validateStore} and friends report: the one list in `src/schema`. */
export { ISSUE_CODES, type IssueCode } from "../schema/codes.js";
