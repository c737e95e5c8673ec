package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.DynamicProperty;
import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.InvalidPowerState;
import com.vmware.vim25.ManagedObjectNotFound;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.NoPermission;
import com.vmware.vim25.NotAuthenticated;
import com.vmware.vim25.ObjectContent;
import com.vmware.vim25.ObjectSpec;
import com.vmware.vim25.PropertyFilterSpec;
import com.vmware.vim25.PropertySpec;
import com.vmware.vim25.SelectionSpec;
import com.vmware.vim25.ServiceContent;
import com.vmware.vim25.TraversalSpec;
import com.vmware.vim25.VimPortType;
import com.vmware.vim25.mo.ServiceInstance;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.net.ConnectException;
import java.net.MalformedURLException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.rmi.RemoteException;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logged-in vSphere session over yavijava's {@link VimPortType}, shared by every call of one
 * import or check. Translates SOAP and transport failures into {@link VmImportException}s. When
 * vCenter ends the session (idle timeout during a long export) the next call logs in again once.
 */
public final class VimConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VimConnection.class);
  private static final ManagedObjectReference SERVICE_INSTANCE =
      mor("ServiceInstance", "ServiceInstance");
  private static final int CONNECT_TIMEOUT_MS = 15_000;
  private static final int READ_TIMEOUT_MS = 120_000;

  /** One SOAP call. */
  @FunctionalInterface
  public interface VimCall<T> {
    T call(VimPortType vim) throws RemoteException;
  }

  private final VmwareSettings settings;
  private final VimSoapClient client;
  private final VimPortType vim;
  private final ServiceContent content;
  private final Object loginLock = new Object();
  private volatile boolean closed;
  private volatile String sessionKey = "";

  private VimConnection(VmwareSettings settings, VimSoapClient client, ServiceContent content) {
    this.settings = settings;
    this.client = client;
    this.vim = portOf(client);
    this.content = content;
  }

  /** Connects and logs in. */
  public static VimConnection open(VmwareSettings settings) {
    SSLContext ssl =
        settings.insecureSkipTlsVerify()
            ? VimTls.insecure()
            : VimTls.verifying(settings.caPem(), settings.secretName());
    if (settings.insecureSkipTlsVerify()) {
      log.warn(
          "source {}: TLS certificate verification is disabled ({}: \"true\"); anyone on the path"
              + " to {} can read the credentials",
          settings.sourceName(),
          VmwareSettings.INSECURE_SETTING,
          settings.sdkUrl().getHost());
    }
    VimSoapClient client;
    try {
      client = new VimSoapClient(settings.sdkUrl().toString(), ssl);
    } catch (MalformedURLException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, "source " + settings.sourceName() + ": bad spec.endpoint", e);
    } catch (RemoteException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot create the SOAP client", e);
    }
    client.setConnectTimeout(CONNECT_TIMEOUT_MS);
    client.setReadTimeout(READ_TIMEOUT_MS);
    client.setVimNameSpace(ServiceInstance.VIM25_NAMESPACE);
    VimPortType port = portOf(client);
    ServiceContent content;
    try {
      content = port.retrieveServiceContent(SERVICE_INSTANCE);
    } catch (RemoteException e) {
      throw translate(settings, "connect", e);
    }
    if (content == null) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE,
          "source "
              + settings.sourceName()
              + ": "
              + settings.sdkUrl()
              + " is not a vSphere API endpoint");
    }
    if (content.getAbout() != null && content.getAbout().getApiVersion() != null) {
      client.setSoapActionOnApiVersion(content.getAbout().getApiVersion());
    }
    VimConnection connection = new VimConnection(settings, client, content);
    connection.login();
    return connection;
  }

  private static VimPortType portOf(VimSoapClient client) {
    try {
      return new VimPortType(client);
    } catch (MalformedURLException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot create the vSphere stub", e);
    }
  }

  private void login() {
    try {
      var userSession =
          vim.login(content.getSessionManager(), settings.username(), settings.password(), null);
      sessionKey = userSession == null || userSession.getKey() == null ? "" : userSession.getKey();
      log.debug("source {}: logged in to {}", settings.sourceName(), settings.sdkUrl());
    } catch (RemoteException e) {
      throw translate(settings, "log in", e);
    }
  }

  /** The key of the current login session (what SessionManager.TerminateSession takes). */
  public String sessionKey() {
    return sessionKey;
  }

  public VmwareSettings settings() {
    return settings;
  }

  public ServiceContent content() {
    return content;
  }

  public VimSoapClient client() {
    return client;
  }

  /** The session cookie for NFC downloads, e.g. {@code vmware_soap_session="..."}. */
  public String sessionCookie() {
    String cookie = client.getCookie();
    if (cookie == null) {
      return "";
    }
    int semicolon = cookie.indexOf(';');
    return semicolon < 0 ? cookie : cookie.substring(0, semicolon);
  }

  /**
   * Runs one call; {@code what} names it for messages ("find datacenter DC0"). A call refused
   * because the session expired is repeated once after logging in again.
   */
  public <T> T call(String what, VimCall<T> call) {
    String keyBefore = sessionKey;
    try {
      return call.call(vim);
    } catch (RemoteException e) {
      if (!isNotAuthenticated(e) || closed) {
        throw translate(settings, what, e);
      }
    }
    log.info("source {}: session expired; logging in again", settings.sourceName());
    // another thread may have logged in again already: only the first one does
    synchronized (loginLock) {
      // yavijava keeps the first session cookie it sees; the new login must get a fresh one
      if (keyBefore.equals(sessionKey)) {
        client.setCookie(null);
        login();
      }
    }
    try {
      return call.call(vim);
    } catch (RemoteException e) {
      throw translate(settings, what, e);
    }
  }

  /** The given properties of one object; absent properties are missing from the map. */
  public Map<String, Object> properties(ManagedObjectReference object, String... paths) {
    PropertySpec property = new PropertySpec();
    property.setType(object.getType());
    property.setPathSet(paths);
    ObjectSpec objectSpec = new ObjectSpec();
    objectSpec.setObj(object);
    objectSpec.setSkip(false);
    PropertyFilterSpec filter = new PropertyFilterSpec();
    filter.setPropSet(new PropertySpec[] {property});
    filter.setObjectSet(new ObjectSpec[] {objectSpec});
    ObjectContent[] contents =
        call(
            "read " + object.getType() + " " + object.getVal(),
            v ->
                v.retrieveProperties(
                    content.getPropertyCollector(), new PropertyFilterSpec[] {filter}));
    Map<String, Object> values = new HashMap<>();
    if (contents != null) {
      for (ObjectContent objectContent : contents) {
        if (objectContent != null && objectContent.getPropSet() != null) {
          for (DynamicProperty dynamic : objectContent.getPropSet()) {
            if (dynamic != null && dynamic.getVal() != null) {
              values.put(dynamic.getName(), dynamic.getVal());
            }
          }
        }
      }
    }
    return values;
  }

  /** Objects of {@code type} anywhere below {@code container}, with the given properties. */
  public List<ObjectContent> objectsBelow(
      ManagedObjectReference container, String type, String... paths) {
    ManagedObjectReference view =
        call(
            "list " + type,
            v ->
                v.createContainerView(
                    content.getViewManager(), container, new String[] {type}, true));
    try {
      TraversalSpec traversal = new TraversalSpec();
      traversal.setName("view");
      traversal.setType("ContainerView");
      traversal.setPath("view");
      traversal.setSkip(false);
      ObjectSpec objectSpec = new ObjectSpec();
      objectSpec.setObj(view);
      objectSpec.setSkip(true);
      objectSpec.setSelectSet(new SelectionSpec[] {traversal});
      PropertySpec property = new PropertySpec();
      property.setType(type);
      property.setPathSet(paths);
      PropertyFilterSpec filter = new PropertyFilterSpec();
      filter.setPropSet(new PropertySpec[] {property});
      filter.setObjectSet(new ObjectSpec[] {objectSpec});
      ObjectContent[] contents =
          call(
              "list " + type,
              v ->
                  v.retrieveProperties(
                      content.getPropertyCollector(), new PropertyFilterSpec[] {filter}));
      List<ObjectContent> result = new ArrayList<>();
      if (contents != null) {
        for (ObjectContent objectContent : contents) {
          if (objectContent != null) {
            result.add(objectContent);
          }
        }
      }
      return result;
    } finally {
      call(
          "destroy view",
          v -> {
            v.destroyView(view);
            return null;
          });
    }
  }

  public static Optional<Object> property(ObjectContent content, String name) {
    if (content.getPropSet() == null) {
      return Optional.empty();
    }
    for (DynamicProperty dynamic : content.getPropSet()) {
      if (dynamic != null && name.equals(dynamic.getName())) {
        return Optional.ofNullable(dynamic.getVal());
      }
    }
    return Optional.empty();
  }

  public static ManagedObjectReference mor(String type, String value) {
    ManagedObjectReference ref = new ManagedObjectReference();
    ref.setType(type);
    ref.setVal(value);
    return ref;
  }

  /** Logs out. A session already gone is not an error. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      vim.logout(content.getSessionManager());
      log.debug("source {}: logged out", settings.sourceName());
    } catch (RemoteException e) {
      // nothing left to release when logout fails: the server drops idle sessions itself
      log.debug("source {}: logout failed: {}", settings.sourceName(), e.getMessage());
    }
  }

  static boolean isNotAuthenticated(Throwable e) {
    return e instanceof VimFaultException fault && fault.is(NotAuthenticated.class);
  }

  /** Translates a failure of {@code what} into our exception, keeping the cause. */
  public static VmImportException translate(VmwareSettings settings, String what, Throwable e) {
    String source = "source " + settings.sourceName() + " (" + settings.sdkUrl() + ")";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof VmImportException translated) {
        return translated;
      }
      if (t instanceof VimFaultException fault) {
        if (fault.is(InvalidLogin.class)) {
          return new VmImportException(
              ErrorCode.AUTHENTICATION_FAILED,
              source
                  + ": the user name or password in Secret "
                  + settings.secretName()
                  + " was rejected; fix the username/password keys",
              e);
        }
        if (fault.is(NoPermission.class)) {
          return new VmImportException(
              ErrorCode.PERMISSION_DENIED,
              source
                  + ": the user of Secret "
                  + settings.secretName()
                  + " may not "
                  + what
                  + ": "
                  + fault.getMessage(),
              e);
        }
        if (fault.is(InvalidPowerState.class)) {
          return new VmImportException(
              ErrorCode.NOT_SUPPORTED,
              source
                  + ": cannot "
                  + what
                  + ": the VM is not in the power state this needs ("
                  + fault.getMessage()
                  + "); power it off first",
              e);
        }
        if (fault.is(ManagedObjectNotFound.class)) {
          return new VmImportException(
              ErrorCode.NOT_FOUND, source + ": cannot " + what + ": " + fault.getMessage(), e);
        }
        return new VmImportException(
            ErrorCode.SOURCE_UNAVAILABLE,
            source + ": cannot " + what + ": " + fault.faultType() + ": " + fault.getMessage(),
            e,
            false);
      }
      if (t instanceof SSLException || t instanceof CertificateException) {
        if (isCertificateProblem(t)) {
          return new VmImportException(
              ErrorCode.TLS_UNTRUSTED,
              source
                  + ": the server's TLS certificate is not trusted ("
                  + rootMessage(t)
                  + "); put the CA that signed it as caCert in Secret "
                  + settings.secretName()
                  + ", or add it to the system trust store",
              e);
        }
      }
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException
          || t instanceof SocketTimeoutException) {
        return new VmImportException(
            ErrorCode.SOURCE_UNAVAILABLE,
            source
                + " cannot be reached ("
                + t.getClass().getSimpleName()
                + ": "
                + t.getMessage()
                + "); check spec.endpoint and the network",
            e);
      }
    }
    // anything else the server or transport did: unavailable for now, worth retrying
    return new VmImportException(
        ErrorCode.SOURCE_UNAVAILABLE, source + ": cannot " + what + ": " + rootMessage(e), e);
  }

  private static boolean isCertificateProblem(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CertificateException
          || c instanceof javax.net.ssl.SSLPeerUnverifiedException
          || c instanceof java.security.cert.CertPathValidatorException
          || c.getClass().getName().contains("ValidatorException")) {
        return true;
      }
      if (c instanceof javax.net.ssl.SSLHandshakeException
          && String.valueOf(c.getMessage()).contains("certificat")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
