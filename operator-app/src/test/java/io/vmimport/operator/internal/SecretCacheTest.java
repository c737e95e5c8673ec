package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretCacheTest {
  @Test
  void theSecretCacheKeepsNoKeysOrValuesOnlyWhatSaysThatASecretChanged() {
    Secret applied =
        new SecretBuilder()
            .withNewMetadata()
            .withName("vcsim-creds")
            .withNamespace("default")
            .withResourceVersion("42")
            .withLabels(Map.of("team", "infra"))
            // kubectl apply keeps the whole Secret, values included, in this annotation
            .withAnnotations(
                Map.of(
                    "kubectl.kubernetes.io/last-applied-configuration",
                    "{\"stringData\":{\"password\":\"s3cret\"}}"))
            .withManagedFields(List.of(new ManagedFieldsEntry()))
            .endMetadata()
            .withData(Map.of("password", "czNjcmV0"))
            .withStringData(Map.of("username", "admin"))
            .build();

    Secret cached = SourceReconciler.withoutData(applied);

    assertThat(cached.getMetadata().getName()).isEqualTo("vcsim-creds");
    assertThat(cached.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(cached.getMetadata().getLabels()).containsEntry("team", "infra");
    assertThat(cached.getData()).isNullOrEmpty();
    assertThat(cached.getStringData()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
  }
}
