package io.vmimport.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes the user information ({@code user:password@}) from URLs before they reach a message, a
 * log line, a status or an event. A source's endpoint is typed by a user, who may put a password
 * there ({@code https://admin:secret@keystone/v3}) although credentials belong in the Secret.
 */
public final class UserInfoRedaction {
  /** What stands where the user information was, so that a reader sees that some was given. */
  public static final String MASK = "***";

  /*
   * scheme://, then everything up to the last '@' before whitespace or a quote: greedy across '@'
   * and '/', so that a password with an unescaped '@' or '/' is masked whole. At worst a path that
   * contains '@' is masked too, which loses a little text but never leaks any.
   */
  private static final Pattern USER_INFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.\\-]*://)[^\\s'\"<>()\\[\\]]*@");

  private UserInfoRedaction() {}

  /** {@code text} with the user information of every URL in it replaced by {@link #MASK}. */
  public static String redact(String text) {
    if (text == null || text.indexOf('@') < 0) {
      return text;
    }
    return USER_INFO.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "@");
  }

  /** {@code uri} without its user information (nothing replaces it: the result is for use). */
  public static URI strip(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri;
    }
    try {
      return new URI(
          uri.getScheme(),
          null,
          uri.getHost(),
          uri.getPort(),
          uri.getPath(),
          uri.getQuery(),
          uri.getFragment());
    } catch (URISyntaxException e) {
      // the parts came from a valid URI; rebuilding them cannot fail short of a JDK defect
      throw new VmImportException(
          ErrorCode.INTERNAL, "cannot rebuild " + redact(uri.toString()) + ": " + e.getReason(), e);
    }
  }
}
