package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.ws.Argument;
import com.vmware.vim25.ws.WSClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.rmi.RemoteException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * yavijava's {@link WSClient} with two parts replaced: responses are read by {@link
 * TolerantSoapReader}, and TLS uses this client's own {@link SSLContext}. yavijava's
 * CustomSSLTrustContextCreator caches the first trust manager it sees in a static field, so two
 * sources with different CAs would share one; and its trust-all path changes JVM-wide defaults.
 */
public final class VimSoapClient extends WSClient {
  private final Map<Object, TolerantSoapReader.Extras> extras =
      Collections.synchronizedMap(new WeakHashMap<>());
  private final SSLContext sslContext;

  public VimSoapClient(String sdkUrl, SSLContext sslContext)
      throws MalformedURLException, RemoteException {
    // the TrustManager argument only selects yavijava's per-connection socket factory path;
    // getCustomTrustManagerSocketFactory below returns ours
    super(sdkUrl, false, new ContextHolder(sslContext));
    this.sslContext = sslContext;
  }

  @Override
  protected SSLSocketFactory getCustomTrustManagerSocketFactory(TrustManager trustManager) {
    return ((ContextHolder) trustManager).sslContext.getSocketFactory();
  }

  @Override
  protected SSLSocketFactory getTrustAllSocketFactory(boolean ignoreCert) throws RemoteException {
    throw new RemoteException("trust-all TLS of yavijava is never used");
  }

  /**
   * yavijava's invoke logs every fault at ERROR level (a wrong password included) before rethrowing
   * it; the caller translates and reports faults itself, so this one does not log.
   */
  @Override
  public Object invoke(String methodName, Argument[] args, String returnType)
      throws RemoteException {
    String request = marshall(methodName, args);
    try (InputStream response = post(request)) {
      return unMarshall(returnType, response);
    } catch (RemoteException e) {
      throw e;
    } catch (Exception e) {
      throw new RemoteException("vSphere call " + methodName + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Posts one SOAP request. Replaces yavijava's post, which logs every request body at TRACE level:
   * the Login request carries the password.
   */
  @Override
  protected InputStream post(String soapMessage) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) getBaseUrl().openConnection();
    if (connection instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(sslContext.getSocketFactory());
    }
    connection.setConnectTimeout(getConnectTimeout());
    connection.setReadTimeout(getReadTimeout());
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setDoInput(true);
    connection.setRequestProperty("SOAPAction", soapAction == null ? "urn:vim25" : soapAction);
    connection.setRequestProperty("Content-Type", "text/xml; charset=utf-8");
    String cookie = getCookie();
    if (cookie != null) {
      connection.setRequestProperty("Cookie", cookie);
    }
    try (Writer out =
        new OutputStreamWriter(connection.getOutputStream(), StandardCharsets.UTF_8)) {
      out.write(soapMessage);
    }
    InputStream response;
    try {
      response = connection.getInputStream();
    } catch (IOException e) {
      // SOAP faults come with HTTP 500 and the fault in the body
      response = connection.getErrorStream();
      if (response == null) {
        throw e;
      }
    }
    String setCookie = connection.getHeaderField("Set-Cookie");
    if (setCookie != null) {
      setCookie(setCookie);
    }
    return response;
  }

  @Override
  public Object unMarshall(String returnType, InputStream body) throws Exception {
    TolerantSoapReader.ReadResult result = TolerantSoapReader.read(returnType, body);
    extras.putAll(result.extras());
    return result.value();
  }

  /** What the 6.0 model could not hold about an object read by this client. */
  public Optional<TolerantSoapReader.Extras> extrasOf(Object value) {
    return Optional.ofNullable(extras.get(value));
  }

  public SSLContext sslContext() {
    return sslContext;
  }

  /** Carries our SSLContext through WSClient's constructor; never used as a trust manager. */
  private static final class ContextHolder implements TrustManager {
    private final SSLContext sslContext;

    ContextHolder(SSLContext sslContext) {
      this.sslContext = sslContext;
    }
  }
}
