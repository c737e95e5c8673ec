package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openstack4j.api.exceptions.ClientResponseException;
import org.openstack4j.core.transport.ExecutionOptions;
import org.openstack4j.core.transport.HttpEntityHandler;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.core.transport.ObjectMapperSingleton;

/** A buffered response for openstack4j (API replies are small; disk data never goes here). */
final class JdkHttpResponse implements HttpResponse {
  private final int status;
  private final HttpHeaders headers;
  private final byte[] body;

  JdkHttpResponse(int status, HttpHeaders headers, byte[] body) {
    this.status = status;
    this.headers = requireNonNull(headers, "headers is null");
    this.body = body == null ? new byte[0] : body;
  }

  @Override
  public <T> T getEntity(Class<T> returnType) {
    return getEntity(returnType, null);
  }

  @Override
  public <T> T getEntity(Class<T> returnType, ExecutionOptions<T> options) {
    return HttpEntityHandler.handle(this, returnType, options, true);
  }

  @Override
  public <T> T readEntity(Class<T> typeToReadAs) {
    try {
      return ObjectMapperSingleton.getContext(typeToReadAs).readerFor(typeToReadAs).readValue(body);
    } catch (IOException e) {
      throw new ClientResponseException(
          "cannot read the reply as " + typeToReadAs.getSimpleName() + ": " + e.getMessage(),
          status,
          e);
    }
  }

  @Override
  public int getStatus() {
    return status;
  }

  @Override
  public String getContentType() {
    return header("Content-Type");
  }

  @Override
  public String getStatusMessage() {
    return "HTTP " + status;
  }

  @Override
  public InputStream getInputStream() {
    return new ByteArrayInputStream(body);
  }

  @Override
  public String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  @Override
  public Map<String, String> headers() {
    Map<String, String> all = new LinkedHashMap<>();
    headers.map().forEach((name, values) -> all.put(name, values.isEmpty() ? "" : values.get(0)));
    return all;
  }

  @Override
  public void close() {}
}
