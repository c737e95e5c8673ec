package io.vmimport.operator;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One request to the API server as RBAC sees it: verb, API group, resource (with its subresource)
 * and namespace. {@link Recorder} collects the operator's requests, so that a test can hold them
 * against the chart's RBAC.
 *
 * @param namespace empty for a cluster-scoped object or a request across all namespaces
 */
record ApiCall(
    String verb, String group, String resource, Optional<String> namespace, Optional<String> name) {

  /**
   * How the API server's authorizer reads {@code method} on {@code uri}, or empty for a path that
   * is not a resource (discovery such as {@code /apis}, {@code /version}), which every account may
   * read.
   */
  static Optional<ApiCall> of(String method, URI uri) {
    List<String> path = Arrays.stream(uri.getPath().split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    List<String> rest;
    if (path.size() >= 2 && path.get(0).equals("api")) {
      group = "";
      rest = path.subList(2, path.size());
    } else if (path.size() >= 3 && path.get(0).equals("apis")) {
      group = path.get(1);
      rest = path.subList(3, path.size());
    } else {
      return Optional.empty();
    }
    Optional<String> namespace = Optional.empty();
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      namespace = Optional.of(rest.get(1));
      rest = rest.subList(2, rest.size());
    }
    if (rest.isEmpty()) {
      return Optional.empty();
    }
    String resource = rest.get(0);
    Optional<String> name = rest.size() >= 2 ? Optional.of(rest.get(1)) : Optional.empty();
    if (rest.size() >= 3) {
      resource += "/" + rest.get(2);
    }
    boolean watch =
        uri.getQuery() != null
            && Arrays.stream(uri.getQuery().split("&"))
                .anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
    String verb =
        switch (method) {
          case "GET" -> watch ? "watch" : name.isPresent() ? "get" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name.isPresent() ? "delete" : "deletecollection";
          default -> throw new IllegalArgumentException("HTTP method " + method + " on " + uri);
        };
    return Optional.of(new ApiCall(verb, group, resource, namespace, name));
  }

  @Override
  public String toString() {
    return verb
        + " "
        + (group.isEmpty() ? "core" : group)
        + " "
        + resource
        + name.map(n -> " " + n).orElse("")
        + namespace.map(n -> " in namespace " + n).orElse(" (cluster-wide)");
  }

  /** Records every request of the client it is installed in. */
  static final class Recorder implements Interceptor {
    final Set<ApiCall> calls = ConcurrentHashMap.newKeySet();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      of(request.method(), request.uri()).ifPresent(calls::add);
    }
  }
}
