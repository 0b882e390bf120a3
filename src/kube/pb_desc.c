/*
 * pb_desc.c: the protobuf message descriptors of the kinds daas accepts as protobuf bodies.
 *
 * Owns:   const tables only: one field list per message, the map entry shapes, the kind table.
 * Not:    decoding (pb.c).
 * Model:  generated once from k8s.io/api v0.32.4 (core/v1, apps/v1, batch/v1, coordination/v1) and
 *         k8s.io/apimachinery v0.32.4 (meta/v1, util/intstr, api/resource) generated.proto for
 *         the field numbers and types, and their types.go for json names, pointer fields (PTR)
 *         and embedded `json:",inline"` structs (INL). Messages are ordered leaves first, so
 *         every reference is to an earlier table. Left out on purpose (their fields are skipped
 *         as unknown): the deprecated in-tree cloud volume sources (awsElasticBlockStore,
 *         azureDisk, azureFile, cinder, cephfs, fc, flexVolume, flocker, gcePersistentDisk,
 *         gitRepo, glusterfs, photonPersistentDisk, portworxVolume, quobyte, rbd, scaleIO,
 *         storageos, vsphereVolume). EphemeralContainerCommon has Container's exact fields and
 *         shares its table.
 * Invariants: see pb_int.h (fields sorted by number; MAP entries are {1 key, 2 value}).
 * Spec:   specs/kube-api.md §7.
 */
#include "kube/pb_int.h"

#include <string.h>

#define REP DAAS_KUBE_PB_F_REP
#define PTR DAAS_KUBE_PB_F_PTR
#define INL DAAS_KUBE_PB_F_INL
/* A scalar or well-known-type field; a message field; a map field. */
#define F(n, t, fl, j) {(n), DAAS_KUBE_PB_T_##t, (fl), (j), NULL}
#define M(n, fl, j, m) {(n), DAAS_KUBE_PB_T_MSG, (fl), (j), &(m)}
#define MAP(n, j, m) {(n), DAAS_KUBE_PB_T_MAP, REP, (j), &(m)}
#define DESC(m, name)                                                                            \
    static const daas_kube_pb_msg m = {(name), m##_f, sizeof(m##_f) / sizeof(m##_f[0])}

/* clang-format off */
/* Map entries: map<string, string>, map<string, bytes>, map<string, Quantity>. */
static const daas_kube_pb_field map_str_f[] = {F(1, STR, 0, "key"), F(2, STR, 0, "value")};
DESC(map_str, "map<string,string>");
static const daas_kube_pb_field map_bytes_f[] = {F(1, STR, 0, "key"), F(2, BYTES, 0, "value")};
DESC(map_bytes, "map<string,bytes>");
static const daas_kube_pb_field map_qty_f[] = {F(1, STR, 0, "key"), F(2, QTY, 0, "value")};
DESC(map_qty, "map<string,Quantity>");

static const daas_kube_pb_field meta_OwnerReference_f[] = {
    F(1, STR, 0, "kind"), F(3, STR, 0, "name"), F(4, STR, 0, "uid"), F(5, STR, 0, "apiVersion"),
    F(6, BOOL, PTR, "controller"), F(7, BOOL, PTR, "blockOwnerDeletion")};
DESC(meta_OwnerReference, "OwnerReference");
static const daas_kube_pb_field meta_ManagedFieldsEntry_f[] = {
    F(1, STR, 0, "manager"), F(2, STR, 0, "operation"), F(3, STR, 0, "apiVersion"),
    F(4, TIME, PTR, "time"), F(6, STR, 0, "fieldsType"), F(7, FIELDS, PTR, "fieldsV1"),
    F(8, STR, 0, "subresource")};
DESC(meta_ManagedFieldsEntry, "ManagedFieldsEntry");
static const daas_kube_pb_field meta_ObjectMeta_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "generateName"), F(3, STR, 0, "namespace"),
    F(4, STR, 0, "selfLink"), F(5, STR, 0, "uid"), F(6, STR, 0, "resourceVersion"),
    F(7, I64, 0, "generation"), F(8, TIME, 0, "creationTimestamp"),
    F(9, TIME, PTR, "deletionTimestamp"), F(10, I64, PTR, "deletionGracePeriodSeconds"),
    MAP(11, "labels", map_str), MAP(12, "annotations", map_str),
    M(13, REP, "ownerReferences", meta_OwnerReference), F(14, STR, REP, "finalizers"),
    M(17, REP, "managedFields", meta_ManagedFieldsEntry)};
DESC(meta_ObjectMeta, "ObjectMeta");
static const daas_kube_pb_field meta_LabelSelectorRequirement_f[] = {
    F(1, STR, 0, "key"), F(2, STR, 0, "operator"), F(3, STR, REP, "values")};
DESC(meta_LabelSelectorRequirement, "LabelSelectorRequirement");
static const daas_kube_pb_field meta_LabelSelector_f[] = {
    MAP(1, "matchLabels", map_str), M(2, REP, "matchExpressions", meta_LabelSelectorRequirement)};
DESC(meta_LabelSelector, "LabelSelector");
static const daas_kube_pb_field core_HostPathVolumeSource_f[] = {
    F(1, STR, 0, "path"), F(2, STR, PTR, "type")};
DESC(core_HostPathVolumeSource, "HostPathVolumeSource");
static const daas_kube_pb_field core_EmptyDirVolumeSource_f[] = {
    F(1, STR, 0, "medium"), F(2, QTY, PTR, "sizeLimit")};
DESC(core_EmptyDirVolumeSource, "EmptyDirVolumeSource");
static const daas_kube_pb_field core_KeyToPath_f[] = {
    F(1, STR, 0, "key"), F(2, STR, 0, "path"), F(3, I32, PTR, "mode")};
DESC(core_KeyToPath, "KeyToPath");
static const daas_kube_pb_field core_SecretVolumeSource_f[] = {
    F(1, STR, 0, "secretName"), M(2, REP, "items", core_KeyToPath), F(3, I32, PTR, "defaultMode"),
    F(4, BOOL, PTR, "optional")};
DESC(core_SecretVolumeSource, "SecretVolumeSource");
static const daas_kube_pb_field core_NFSVolumeSource_f[] = {
    F(1, STR, 0, "server"), F(2, STR, 0, "path"), F(3, BOOL, 0, "readOnly")};
DESC(core_NFSVolumeSource, "NFSVolumeSource");
static const daas_kube_pb_field core_LocalObjectReference_f[] = {
    F(1, STR, 0, "name")};
DESC(core_LocalObjectReference, "LocalObjectReference");
static const daas_kube_pb_field core_ISCSIVolumeSource_f[] = {
    F(1, STR, 0, "targetPortal"), F(2, STR, 0, "iqn"), F(3, I32, 0, "lun"),
    F(4, STR, 0, "iscsiInterface"), F(5, STR, 0, "fsType"), F(6, BOOL, 0, "readOnly"),
    F(7, STR, REP, "portals"), F(8, BOOL, 0, "chapAuthDiscovery"),
    M(10, PTR, "secretRef", core_LocalObjectReference), F(11, BOOL, 0, "chapAuthSession"),
    F(12, STR, PTR, "initiatorName")};
DESC(core_ISCSIVolumeSource, "ISCSIVolumeSource");
static const daas_kube_pb_field core_PersistentVolumeClaimVolumeSource_f[] = {
    F(1, STR, 0, "claimName"), F(2, BOOL, 0, "readOnly")};
DESC(core_PersistentVolumeClaimVolumeSource, "PersistentVolumeClaimVolumeSource");
static const daas_kube_pb_field core_ObjectFieldSelector_f[] = {
    F(1, STR, 0, "apiVersion"), F(2, STR, 0, "fieldPath")};
DESC(core_ObjectFieldSelector, "ObjectFieldSelector");
static const daas_kube_pb_field core_ResourceFieldSelector_f[] = {
    F(1, STR, 0, "containerName"), F(2, STR, 0, "resource"), F(3, QTY, 0, "divisor")};
DESC(core_ResourceFieldSelector, "ResourceFieldSelector");
static const daas_kube_pb_field core_DownwardAPIVolumeFile_f[] = {
    F(1, STR, 0, "path"), M(2, PTR, "fieldRef", core_ObjectFieldSelector),
    M(3, PTR, "resourceFieldRef", core_ResourceFieldSelector), F(4, I32, PTR, "mode")};
DESC(core_DownwardAPIVolumeFile, "DownwardAPIVolumeFile");
static const daas_kube_pb_field core_DownwardAPIVolumeSource_f[] = {
    M(1, REP, "items", core_DownwardAPIVolumeFile), F(2, I32, PTR, "defaultMode")};
DESC(core_DownwardAPIVolumeSource, "DownwardAPIVolumeSource");
static const daas_kube_pb_field core_ConfigMapVolumeSource_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), M(2, REP, "items", core_KeyToPath),
    F(3, I32, PTR, "defaultMode"), F(4, BOOL, PTR, "optional")};
DESC(core_ConfigMapVolumeSource, "ConfigMapVolumeSource");
static const daas_kube_pb_field core_SecretProjection_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), M(2, REP, "items", core_KeyToPath),
    F(4, BOOL, PTR, "optional")};
DESC(core_SecretProjection, "SecretProjection");
static const daas_kube_pb_field core_DownwardAPIProjection_f[] = {
    M(1, REP, "items", core_DownwardAPIVolumeFile)};
DESC(core_DownwardAPIProjection, "DownwardAPIProjection");
static const daas_kube_pb_field core_ConfigMapProjection_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), M(2, REP, "items", core_KeyToPath),
    F(4, BOOL, PTR, "optional")};
DESC(core_ConfigMapProjection, "ConfigMapProjection");
static const daas_kube_pb_field core_ServiceAccountTokenProjection_f[] = {
    F(1, STR, 0, "audience"), F(2, I64, PTR, "expirationSeconds"), F(3, STR, 0, "path")};
DESC(core_ServiceAccountTokenProjection, "ServiceAccountTokenProjection");
static const daas_kube_pb_field core_ClusterTrustBundleProjection_f[] = {
    F(1, STR, PTR, "name"), F(2, STR, PTR, "signerName"),
    M(3, PTR, "labelSelector", meta_LabelSelector), F(4, STR, 0, "path"),
    F(5, BOOL, PTR, "optional")};
DESC(core_ClusterTrustBundleProjection, "ClusterTrustBundleProjection");
static const daas_kube_pb_field core_VolumeProjection_f[] = {
    M(1, PTR, "secret", core_SecretProjection),
    M(2, PTR, "downwardAPI", core_DownwardAPIProjection),
    M(3, PTR, "configMap", core_ConfigMapProjection),
    M(4, PTR, "serviceAccountToken", core_ServiceAccountTokenProjection),
    M(5, PTR, "clusterTrustBundle", core_ClusterTrustBundleProjection)};
DESC(core_VolumeProjection, "VolumeProjection");
static const daas_kube_pb_field core_ProjectedVolumeSource_f[] = {
    M(1, REP, "sources", core_VolumeProjection), F(2, I32, PTR, "defaultMode")};
DESC(core_ProjectedVolumeSource, "ProjectedVolumeSource");
static const daas_kube_pb_field core_CSIVolumeSource_f[] = {
    F(1, STR, 0, "driver"), F(2, BOOL, PTR, "readOnly"), F(3, STR, PTR, "fsType"),
    MAP(4, "volumeAttributes", map_str),
    M(5, PTR, "nodePublishSecretRef", core_LocalObjectReference)};
DESC(core_CSIVolumeSource, "CSIVolumeSource");
static const daas_kube_pb_field core_VolumeResourceRequirements_f[] = {
    MAP(1, "limits", map_qty), MAP(2, "requests", map_qty)};
DESC(core_VolumeResourceRequirements, "VolumeResourceRequirements");
static const daas_kube_pb_field core_TypedLocalObjectReference_f[] = {
    F(1, STR, PTR, "apiGroup"), F(2, STR, 0, "kind"), F(3, STR, 0, "name")};
DESC(core_TypedLocalObjectReference, "TypedLocalObjectReference");
static const daas_kube_pb_field core_TypedObjectReference_f[] = {
    F(1, STR, PTR, "apiGroup"), F(2, STR, 0, "kind"), F(3, STR, 0, "name"),
    F(4, STR, PTR, "namespace")};
DESC(core_TypedObjectReference, "TypedObjectReference");
static const daas_kube_pb_field core_PersistentVolumeClaimSpec_f[] = {
    F(1, STR, REP, "accessModes"), M(2, 0, "resources", core_VolumeResourceRequirements),
    F(3, STR, 0, "volumeName"), M(4, PTR, "selector", meta_LabelSelector),
    F(5, STR, PTR, "storageClassName"), F(6, STR, PTR, "volumeMode"),
    M(7, PTR, "dataSource", core_TypedLocalObjectReference),
    M(8, PTR, "dataSourceRef", core_TypedObjectReference),
    F(9, STR, PTR, "volumeAttributesClassName")};
DESC(core_PersistentVolumeClaimSpec, "PersistentVolumeClaimSpec");
static const daas_kube_pb_field core_PersistentVolumeClaimTemplate_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", core_PersistentVolumeClaimSpec)};
DESC(core_PersistentVolumeClaimTemplate, "PersistentVolumeClaimTemplate");
static const daas_kube_pb_field core_EphemeralVolumeSource_f[] = {
    M(1, PTR, "volumeClaimTemplate", core_PersistentVolumeClaimTemplate)};
DESC(core_EphemeralVolumeSource, "EphemeralVolumeSource");
static const daas_kube_pb_field core_ImageVolumeSource_f[] = {
    F(1, STR, 0, "reference"), F(2, STR, 0, "pullPolicy")};
DESC(core_ImageVolumeSource, "ImageVolumeSource");
static const daas_kube_pb_field core_VolumeSource_f[] = {
    M(1, PTR, "hostPath", core_HostPathVolumeSource),
    M(2, PTR, "emptyDir", core_EmptyDirVolumeSource), M(6, PTR, "secret", core_SecretVolumeSource),
    M(7, PTR, "nfs", core_NFSVolumeSource), M(8, PTR, "iscsi", core_ISCSIVolumeSource),
    M(10, PTR, "persistentVolumeClaim", core_PersistentVolumeClaimVolumeSource),
    M(16, PTR, "downwardAPI", core_DownwardAPIVolumeSource),
    M(19, PTR, "configMap", core_ConfigMapVolumeSource),
    M(26, PTR, "projected", core_ProjectedVolumeSource), M(28, PTR, "csi", core_CSIVolumeSource),
    M(29, PTR, "ephemeral", core_EphemeralVolumeSource),
    M(30, PTR, "image", core_ImageVolumeSource)};
DESC(core_VolumeSource, "VolumeSource");
static const daas_kube_pb_field core_Volume_f[] = {
    F(1, STR, 0, "name"), M(2, INL, NULL, core_VolumeSource)};
DESC(core_Volume, "Volume");
static const daas_kube_pb_field core_ContainerPort_f[] = {
    F(1, STR, 0, "name"), F(2, I32, 0, "hostPort"), F(3, I32, 0, "containerPort"),
    F(4, STR, 0, "protocol"), F(5, STR, 0, "hostIP")};
DESC(core_ContainerPort, "ContainerPort");
static const daas_kube_pb_field core_ConfigMapKeySelector_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), F(2, STR, 0, "key"), F(3, BOOL, PTR, "optional")};
DESC(core_ConfigMapKeySelector, "ConfigMapKeySelector");
static const daas_kube_pb_field core_SecretKeySelector_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), F(2, STR, 0, "key"), F(3, BOOL, PTR, "optional")};
DESC(core_SecretKeySelector, "SecretKeySelector");
static const daas_kube_pb_field core_EnvVarSource_f[] = {
    M(1, PTR, "fieldRef", core_ObjectFieldSelector),
    M(2, PTR, "resourceFieldRef", core_ResourceFieldSelector),
    M(3, PTR, "configMapKeyRef", core_ConfigMapKeySelector),
    M(4, PTR, "secretKeyRef", core_SecretKeySelector)};
DESC(core_EnvVarSource, "EnvVarSource");
static const daas_kube_pb_field core_EnvVar_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "value"), M(3, PTR, "valueFrom", core_EnvVarSource)};
DESC(core_EnvVar, "EnvVar");
static const daas_kube_pb_field core_ResourceClaim_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "request")};
DESC(core_ResourceClaim, "ResourceClaim");
static const daas_kube_pb_field core_ResourceRequirements_f[] = {
    MAP(1, "limits", map_qty), MAP(2, "requests", map_qty),
    M(3, REP, "claims", core_ResourceClaim)};
DESC(core_ResourceRequirements, "ResourceRequirements");
static const daas_kube_pb_field core_VolumeMount_f[] = {
    F(1, STR, 0, "name"), F(2, BOOL, 0, "readOnly"), F(3, STR, 0, "mountPath"),
    F(4, STR, 0, "subPath"), F(5, STR, PTR, "mountPropagation"), F(6, STR, 0, "subPathExpr"),
    F(7, STR, PTR, "recursiveReadOnly")};
DESC(core_VolumeMount, "VolumeMount");
static const daas_kube_pb_field core_ExecAction_f[] = {
    F(1, STR, REP, "command")};
DESC(core_ExecAction, "ExecAction");
static const daas_kube_pb_field core_HTTPHeader_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "value")};
DESC(core_HTTPHeader, "HTTPHeader");
static const daas_kube_pb_field core_HTTPGetAction_f[] = {
    F(1, STR, 0, "path"), F(2, IOS, 0, "port"), F(3, STR, 0, "host"), F(4, STR, 0, "scheme"),
    M(5, REP, "httpHeaders", core_HTTPHeader)};
DESC(core_HTTPGetAction, "HTTPGetAction");
static const daas_kube_pb_field core_TCPSocketAction_f[] = {
    F(1, IOS, 0, "port"), F(2, STR, 0, "host")};
DESC(core_TCPSocketAction, "TCPSocketAction");
static const daas_kube_pb_field core_GRPCAction_f[] = {
    F(1, I32, 0, "port"), F(2, STR, PTR, "service")};
DESC(core_GRPCAction, "GRPCAction");
static const daas_kube_pb_field core_ProbeHandler_f[] = {
    M(1, PTR, "exec", core_ExecAction), M(2, PTR, "httpGet", core_HTTPGetAction),
    M(3, PTR, "tcpSocket", core_TCPSocketAction), M(4, PTR, "grpc", core_GRPCAction)};
DESC(core_ProbeHandler, "ProbeHandler");
static const daas_kube_pb_field core_Probe_f[] = {
    M(1, INL, NULL, core_ProbeHandler), F(2, I32, 0, "initialDelaySeconds"),
    F(3, I32, 0, "timeoutSeconds"), F(4, I32, 0, "periodSeconds"),
    F(5, I32, 0, "successThreshold"), F(6, I32, 0, "failureThreshold"),
    F(7, I64, PTR, "terminationGracePeriodSeconds")};
DESC(core_Probe, "Probe");
static const daas_kube_pb_field core_SleepAction_f[] = {
    F(1, I64, 0, "seconds")};
DESC(core_SleepAction, "SleepAction");
static const daas_kube_pb_field core_LifecycleHandler_f[] = {
    M(1, PTR, "exec", core_ExecAction), M(2, PTR, "httpGet", core_HTTPGetAction),
    M(3, PTR, "tcpSocket", core_TCPSocketAction), M(4, PTR, "sleep", core_SleepAction)};
DESC(core_LifecycleHandler, "LifecycleHandler");
static const daas_kube_pb_field core_Lifecycle_f[] = {
    M(1, PTR, "postStart", core_LifecycleHandler), M(2, PTR, "preStop", core_LifecycleHandler)};
DESC(core_Lifecycle, "Lifecycle");
static const daas_kube_pb_field core_Capabilities_f[] = {
    F(1, STR, REP, "add"), F(2, STR, REP, "drop")};
DESC(core_Capabilities, "Capabilities");
static const daas_kube_pb_field core_SELinuxOptions_f[] = {
    F(1, STR, 0, "user"), F(2, STR, 0, "role"), F(3, STR, 0, "type"), F(4, STR, 0, "level")};
DESC(core_SELinuxOptions, "SELinuxOptions");
static const daas_kube_pb_field core_WindowsSecurityContextOptions_f[] = {
    F(1, STR, PTR, "gmsaCredentialSpecName"), F(2, STR, PTR, "gmsaCredentialSpec"),
    F(3, STR, PTR, "runAsUserName"), F(4, BOOL, PTR, "hostProcess")};
DESC(core_WindowsSecurityContextOptions, "WindowsSecurityContextOptions");
static const daas_kube_pb_field core_SeccompProfile_f[] = {
    F(1, STR, 0, "type"), F(2, STR, PTR, "localhostProfile")};
DESC(core_SeccompProfile, "SeccompProfile");
static const daas_kube_pb_field core_AppArmorProfile_f[] = {
    F(1, STR, 0, "type"), F(2, STR, PTR, "localhostProfile")};
DESC(core_AppArmorProfile, "AppArmorProfile");
static const daas_kube_pb_field core_SecurityContext_f[] = {
    M(1, PTR, "capabilities", core_Capabilities), F(2, BOOL, PTR, "privileged"),
    M(3, PTR, "seLinuxOptions", core_SELinuxOptions), F(4, I64, PTR, "runAsUser"),
    F(5, BOOL, PTR, "runAsNonRoot"), F(6, BOOL, PTR, "readOnlyRootFilesystem"),
    F(7, BOOL, PTR, "allowPrivilegeEscalation"), F(8, I64, PTR, "runAsGroup"),
    F(9, STR, PTR, "procMount"), M(10, PTR, "windowsOptions", core_WindowsSecurityContextOptions),
    M(11, PTR, "seccompProfile", core_SeccompProfile),
    M(12, PTR, "appArmorProfile", core_AppArmorProfile)};
DESC(core_SecurityContext, "SecurityContext");
static const daas_kube_pb_field core_ConfigMapEnvSource_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), F(2, BOOL, PTR, "optional")};
DESC(core_ConfigMapEnvSource, "ConfigMapEnvSource");
static const daas_kube_pb_field core_SecretEnvSource_f[] = {
    M(1, INL, NULL, core_LocalObjectReference), F(2, BOOL, PTR, "optional")};
DESC(core_SecretEnvSource, "SecretEnvSource");
static const daas_kube_pb_field core_EnvFromSource_f[] = {
    F(1, STR, 0, "prefix"), M(2, PTR, "configMapRef", core_ConfigMapEnvSource),
    M(3, PTR, "secretRef", core_SecretEnvSource)};
DESC(core_EnvFromSource, "EnvFromSource");
static const daas_kube_pb_field core_VolumeDevice_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "devicePath")};
DESC(core_VolumeDevice, "VolumeDevice");
static const daas_kube_pb_field core_ContainerResizePolicy_f[] = {
    F(1, STR, 0, "resourceName"), F(2, STR, 0, "restartPolicy")};
DESC(core_ContainerResizePolicy, "ContainerResizePolicy");
static const daas_kube_pb_field core_Container_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "image"), F(3, STR, REP, "command"), F(4, STR, REP, "args"),
    F(5, STR, 0, "workingDir"), M(6, REP, "ports", core_ContainerPort),
    M(7, REP, "env", core_EnvVar), M(8, 0, "resources", core_ResourceRequirements),
    M(9, REP, "volumeMounts", core_VolumeMount), M(10, PTR, "livenessProbe", core_Probe),
    M(11, PTR, "readinessProbe", core_Probe), M(12, PTR, "lifecycle", core_Lifecycle),
    F(13, STR, 0, "terminationMessagePath"), F(14, STR, 0, "imagePullPolicy"),
    M(15, PTR, "securityContext", core_SecurityContext), F(16, BOOL, 0, "stdin"),
    F(17, BOOL, 0, "stdinOnce"), F(18, BOOL, 0, "tty"), M(19, REP, "envFrom", core_EnvFromSource),
    F(20, STR, 0, "terminationMessagePolicy"), M(21, REP, "volumeDevices", core_VolumeDevice),
    M(22, PTR, "startupProbe", core_Probe), M(23, REP, "resizePolicy", core_ContainerResizePolicy),
    F(24, STR, PTR, "restartPolicy")};
DESC(core_Container, "Container");
static const daas_kube_pb_field core_Sysctl_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "value")};
DESC(core_Sysctl, "Sysctl");
static const daas_kube_pb_field core_PodSecurityContext_f[] = {
    M(1, PTR, "seLinuxOptions", core_SELinuxOptions), F(2, I64, PTR, "runAsUser"),
    F(3, BOOL, PTR, "runAsNonRoot"), F(4, I64, REP, "supplementalGroups"),
    F(5, I64, PTR, "fsGroup"), F(6, I64, PTR, "runAsGroup"), M(7, REP, "sysctls", core_Sysctl),
    M(8, PTR, "windowsOptions", core_WindowsSecurityContextOptions),
    F(9, STR, PTR, "fsGroupChangePolicy"), M(10, PTR, "seccompProfile", core_SeccompProfile),
    M(11, PTR, "appArmorProfile", core_AppArmorProfile),
    F(12, STR, PTR, "supplementalGroupsPolicy"), F(13, STR, PTR, "seLinuxChangePolicy")};
DESC(core_PodSecurityContext, "PodSecurityContext");
static const daas_kube_pb_field core_NodeSelectorRequirement_f[] = {
    F(1, STR, 0, "key"), F(2, STR, 0, "operator"), F(3, STR, REP, "values")};
DESC(core_NodeSelectorRequirement, "NodeSelectorRequirement");
static const daas_kube_pb_field core_NodeSelectorTerm_f[] = {
    M(1, REP, "matchExpressions", core_NodeSelectorRequirement),
    M(2, REP, "matchFields", core_NodeSelectorRequirement)};
DESC(core_NodeSelectorTerm, "NodeSelectorTerm");
static const daas_kube_pb_field core_NodeSelector_f[] = {
    M(1, REP, "nodeSelectorTerms", core_NodeSelectorTerm)};
DESC(core_NodeSelector, "NodeSelector");
static const daas_kube_pb_field core_PreferredSchedulingTerm_f[] = {
    F(1, I32, 0, "weight"), M(2, 0, "preference", core_NodeSelectorTerm)};
DESC(core_PreferredSchedulingTerm, "PreferredSchedulingTerm");
static const daas_kube_pb_field core_NodeAffinity_f[] = {
    M(1, PTR, "requiredDuringSchedulingIgnoredDuringExecution", core_NodeSelector),
    M(2, REP, "preferredDuringSchedulingIgnoredDuringExecution", core_PreferredSchedulingTerm)};
DESC(core_NodeAffinity, "NodeAffinity");
static const daas_kube_pb_field core_PodAffinityTerm_f[] = {
    M(1, PTR, "labelSelector", meta_LabelSelector), F(2, STR, REP, "namespaces"),
    F(3, STR, 0, "topologyKey"), M(4, PTR, "namespaceSelector", meta_LabelSelector),
    F(5, STR, REP, "matchLabelKeys"), F(6, STR, REP, "mismatchLabelKeys")};
DESC(core_PodAffinityTerm, "PodAffinityTerm");
static const daas_kube_pb_field core_WeightedPodAffinityTerm_f[] = {
    F(1, I32, 0, "weight"), M(2, 0, "podAffinityTerm", core_PodAffinityTerm)};
DESC(core_WeightedPodAffinityTerm, "WeightedPodAffinityTerm");
static const daas_kube_pb_field core_PodAffinity_f[] = {
    M(1, REP, "requiredDuringSchedulingIgnoredDuringExecution", core_PodAffinityTerm),
    M(2, REP, "preferredDuringSchedulingIgnoredDuringExecution", core_WeightedPodAffinityTerm)};
DESC(core_PodAffinity, "PodAffinity");
static const daas_kube_pb_field core_PodAntiAffinity_f[] = {
    M(1, REP, "requiredDuringSchedulingIgnoredDuringExecution", core_PodAffinityTerm),
    M(2, REP, "preferredDuringSchedulingIgnoredDuringExecution", core_WeightedPodAffinityTerm)};
DESC(core_PodAntiAffinity, "PodAntiAffinity");
static const daas_kube_pb_field core_Affinity_f[] = {
    M(1, PTR, "nodeAffinity", core_NodeAffinity), M(2, PTR, "podAffinity", core_PodAffinity),
    M(3, PTR, "podAntiAffinity", core_PodAntiAffinity)};
DESC(core_Affinity, "Affinity");
static const daas_kube_pb_field core_Toleration_f[] = {
    F(1, STR, 0, "key"), F(2, STR, 0, "operator"), F(3, STR, 0, "value"), F(4, STR, 0, "effect"),
    F(5, I64, PTR, "tolerationSeconds")};
DESC(core_Toleration, "Toleration");
static const daas_kube_pb_field core_HostAlias_f[] = {
    F(1, STR, 0, "ip"), F(2, STR, REP, "hostnames")};
DESC(core_HostAlias, "HostAlias");
static const daas_kube_pb_field core_PodDNSConfigOption_f[] = {
    F(1, STR, 0, "name"), F(2, STR, PTR, "value")};
DESC(core_PodDNSConfigOption, "PodDNSConfigOption");
static const daas_kube_pb_field core_PodDNSConfig_f[] = {
    F(1, STR, REP, "nameservers"), F(2, STR, REP, "searches"),
    M(3, REP, "options", core_PodDNSConfigOption)};
DESC(core_PodDNSConfig, "PodDNSConfig");
static const daas_kube_pb_field core_PodReadinessGate_f[] = {
    F(1, STR, 0, "conditionType")};
DESC(core_PodReadinessGate, "PodReadinessGate");
static const daas_kube_pb_field core_TopologySpreadConstraint_f[] = {
    F(1, I32, 0, "maxSkew"), F(2, STR, 0, "topologyKey"), F(3, STR, 0, "whenUnsatisfiable"),
    M(4, PTR, "labelSelector", meta_LabelSelector), F(5, I32, PTR, "minDomains"),
    F(6, STR, PTR, "nodeAffinityPolicy"), F(7, STR, PTR, "nodeTaintsPolicy"),
    F(8, STR, REP, "matchLabelKeys")};
DESC(core_TopologySpreadConstraint, "TopologySpreadConstraint");
static const daas_kube_pb_field core_EphemeralContainer_f[] = {
    M(1, INL, NULL, core_Container), F(2, STR, 0, "targetContainerName")};
DESC(core_EphemeralContainer, "EphemeralContainer");
static const daas_kube_pb_field core_PodOS_f[] = {
    F(1, STR, 0, "name")};
DESC(core_PodOS, "PodOS");
static const daas_kube_pb_field core_PodSchedulingGate_f[] = {
    F(1, STR, 0, "name")};
DESC(core_PodSchedulingGate, "PodSchedulingGate");
static const daas_kube_pb_field core_PodResourceClaim_f[] = {
    F(1, STR, 0, "name"), F(3, STR, PTR, "resourceClaimName"),
    F(4, STR, PTR, "resourceClaimTemplateName")};
DESC(core_PodResourceClaim, "PodResourceClaim");
static const daas_kube_pb_field core_PodSpec_f[] = {
    M(1, REP, "volumes", core_Volume), M(2, REP, "containers", core_Container),
    F(3, STR, 0, "restartPolicy"), F(4, I64, PTR, "terminationGracePeriodSeconds"),
    F(5, I64, PTR, "activeDeadlineSeconds"), F(6, STR, 0, "dnsPolicy"),
    MAP(7, "nodeSelector", map_str), F(8, STR, 0, "serviceAccountName"),
    F(9, STR, 0, "serviceAccount"), F(10, STR, 0, "nodeName"), F(11, BOOL, 0, "hostNetwork"),
    F(12, BOOL, 0, "hostPID"), F(13, BOOL, 0, "hostIPC"),
    M(14, PTR, "securityContext", core_PodSecurityContext),
    M(15, REP, "imagePullSecrets", core_LocalObjectReference), F(16, STR, 0, "hostname"),
    F(17, STR, 0, "subdomain"), M(18, PTR, "affinity", core_Affinity),
    F(19, STR, 0, "schedulerName"), M(20, REP, "initContainers", core_Container),
    F(21, BOOL, PTR, "automountServiceAccountToken"), M(22, REP, "tolerations", core_Toleration),
    M(23, REP, "hostAliases", core_HostAlias), F(24, STR, 0, "priorityClassName"),
    F(25, I32, PTR, "priority"), M(26, PTR, "dnsConfig", core_PodDNSConfig),
    F(27, BOOL, PTR, "shareProcessNamespace"), M(28, REP, "readinessGates", core_PodReadinessGate),
    F(29, STR, PTR, "runtimeClassName"), F(30, BOOL, PTR, "enableServiceLinks"),
    F(31, STR, PTR, "preemptionPolicy"), MAP(32, "overhead", map_qty),
    M(33, REP, "topologySpreadConstraints", core_TopologySpreadConstraint),
    M(34, REP, "ephemeralContainers", core_EphemeralContainer),
    F(35, BOOL, PTR, "setHostnameAsFQDN"), M(36, PTR, "os", core_PodOS),
    F(37, BOOL, PTR, "hostUsers"), M(38, REP, "schedulingGates", core_PodSchedulingGate),
    M(39, REP, "resourceClaims", core_PodResourceClaim),
    M(40, PTR, "resources", core_ResourceRequirements)};
DESC(core_PodSpec, "PodSpec");
static const daas_kube_pb_field core_PodTemplateSpec_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", core_PodSpec)};
DESC(core_PodTemplateSpec, "PodTemplateSpec");
static const daas_kube_pb_field apps_RollingUpdateDeployment_f[] = {
    F(1, IOS, PTR, "maxUnavailable"), F(2, IOS, PTR, "maxSurge")};
DESC(apps_RollingUpdateDeployment, "RollingUpdateDeployment");
static const daas_kube_pb_field apps_DeploymentStrategy_f[] = {
    F(1, STR, 0, "type"), M(2, PTR, "rollingUpdate", apps_RollingUpdateDeployment)};
DESC(apps_DeploymentStrategy, "DeploymentStrategy");
static const daas_kube_pb_field apps_DeploymentSpec_f[] = {
    F(1, I32, PTR, "replicas"), M(2, PTR, "selector", meta_LabelSelector),
    M(3, 0, "template", core_PodTemplateSpec), M(4, 0, "strategy", apps_DeploymentStrategy),
    F(5, I32, 0, "minReadySeconds"), F(6, I32, PTR, "revisionHistoryLimit"),
    F(7, BOOL, 0, "paused"), F(9, I32, PTR, "progressDeadlineSeconds")};
DESC(apps_DeploymentSpec, "DeploymentSpec");
static const daas_kube_pb_field apps_DeploymentCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(4, STR, 0, "reason"), F(5, STR, 0, "message"),
    F(6, TIME, 0, "lastUpdateTime"), F(7, TIME, 0, "lastTransitionTime")};
DESC(apps_DeploymentCondition, "DeploymentCondition");
static const daas_kube_pb_field apps_DeploymentStatus_f[] = {
    F(1, I64, 0, "observedGeneration"), F(2, I32, 0, "replicas"), F(3, I32, 0, "updatedReplicas"),
    F(4, I32, 0, "availableReplicas"), F(5, I32, 0, "unavailableReplicas"),
    M(6, REP, "conditions", apps_DeploymentCondition), F(7, I32, 0, "readyReplicas"),
    F(8, I32, PTR, "collisionCount")};
DESC(apps_DeploymentStatus, "DeploymentStatus");
static const daas_kube_pb_field apps_Deployment_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", apps_DeploymentSpec),
    M(3, 0, "status", apps_DeploymentStatus)};
DESC(apps_Deployment, "Deployment");
static const daas_kube_pb_field apps_ReplicaSetSpec_f[] = {
    F(1, I32, PTR, "replicas"), M(2, PTR, "selector", meta_LabelSelector),
    M(3, 0, "template", core_PodTemplateSpec), F(4, I32, 0, "minReadySeconds")};
DESC(apps_ReplicaSetSpec, "ReplicaSetSpec");
static const daas_kube_pb_field apps_ReplicaSetCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(3, TIME, 0, "lastTransitionTime"),
    F(4, STR, 0, "reason"), F(5, STR, 0, "message")};
DESC(apps_ReplicaSetCondition, "ReplicaSetCondition");
static const daas_kube_pb_field apps_ReplicaSetStatus_f[] = {
    F(1, I32, 0, "replicas"), F(2, I32, 0, "fullyLabeledReplicas"),
    F(3, I64, 0, "observedGeneration"), F(4, I32, 0, "readyReplicas"),
    F(5, I32, 0, "availableReplicas"), M(6, REP, "conditions", apps_ReplicaSetCondition)};
DESC(apps_ReplicaSetStatus, "ReplicaSetStatus");
static const daas_kube_pb_field apps_ReplicaSet_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", apps_ReplicaSetSpec),
    M(3, 0, "status", apps_ReplicaSetStatus)};
DESC(apps_ReplicaSet, "ReplicaSet");
static const daas_kube_pb_field apps_RollingUpdateDaemonSet_f[] = {
    F(1, IOS, PTR, "maxUnavailable"), F(2, IOS, PTR, "maxSurge")};
DESC(apps_RollingUpdateDaemonSet, "RollingUpdateDaemonSet");
static const daas_kube_pb_field apps_DaemonSetUpdateStrategy_f[] = {
    F(1, STR, 0, "type"), M(2, PTR, "rollingUpdate", apps_RollingUpdateDaemonSet)};
DESC(apps_DaemonSetUpdateStrategy, "DaemonSetUpdateStrategy");
static const daas_kube_pb_field apps_DaemonSetSpec_f[] = {
    M(1, PTR, "selector", meta_LabelSelector), M(2, 0, "template", core_PodTemplateSpec),
    M(3, 0, "updateStrategy", apps_DaemonSetUpdateStrategy), F(4, I32, 0, "minReadySeconds"),
    F(6, I32, PTR, "revisionHistoryLimit")};
DESC(apps_DaemonSetSpec, "DaemonSetSpec");
static const daas_kube_pb_field apps_DaemonSetCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(3, TIME, 0, "lastTransitionTime"),
    F(4, STR, 0, "reason"), F(5, STR, 0, "message")};
DESC(apps_DaemonSetCondition, "DaemonSetCondition");
static const daas_kube_pb_field apps_DaemonSetStatus_f[] = {
    F(1, I32, 0, "currentNumberScheduled"), F(2, I32, 0, "numberMisscheduled"),
    F(3, I32, 0, "desiredNumberScheduled"), F(4, I32, 0, "numberReady"),
    F(5, I64, 0, "observedGeneration"), F(6, I32, 0, "updatedNumberScheduled"),
    F(7, I32, 0, "numberAvailable"), F(8, I32, 0, "numberUnavailable"),
    F(9, I32, PTR, "collisionCount"), M(10, REP, "conditions", apps_DaemonSetCondition)};
DESC(apps_DaemonSetStatus, "DaemonSetStatus");
static const daas_kube_pb_field apps_DaemonSet_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", apps_DaemonSetSpec),
    M(3, 0, "status", apps_DaemonSetStatus)};
DESC(apps_DaemonSet, "DaemonSet");
/* runtime.RawExtension {1 raw: JSON bytes} decodes like FieldsV1. */
static const daas_kube_pb_field apps_ControllerRevision_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), F(2, FIELDS, 0, "data"), F(3, I64, 0, "revision")};
DESC(apps_ControllerRevision, "ControllerRevision");
static const daas_kube_pb_field batch_OnExitCodes_f[] = {
    F(1, STR, PTR, "containerName"), F(2, STR, 0, "operator"), F(3, I32, REP, "values")};
DESC(batch_OnExitCodes, "PodFailurePolicyOnExitCodesRequirement");
static const daas_kube_pb_field batch_OnPodConditions_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status")};
DESC(batch_OnPodConditions, "PodFailurePolicyOnPodConditionsPattern");
static const daas_kube_pb_field batch_PodFailurePolicyRule_f[] = {
    F(1, STR, 0, "action"), M(2, PTR, "onExitCodes", batch_OnExitCodes),
    M(3, REP, "onPodConditions", batch_OnPodConditions)};
DESC(batch_PodFailurePolicyRule, "PodFailurePolicyRule");
static const daas_kube_pb_field batch_PodFailurePolicy_f[] = {
    M(1, REP, "rules", batch_PodFailurePolicyRule)};
DESC(batch_PodFailurePolicy, "PodFailurePolicy");
static const daas_kube_pb_field batch_SuccessPolicyRule_f[] = {
    F(1, STR, PTR, "succeededIndexes"), F(2, I32, PTR, "succeededCount")};
DESC(batch_SuccessPolicyRule, "SuccessPolicyRule");
static const daas_kube_pb_field batch_SuccessPolicy_f[] = {
    M(1, REP, "rules", batch_SuccessPolicyRule)};
DESC(batch_SuccessPolicy, "SuccessPolicy");
static const daas_kube_pb_field batch_JobSpec_f[] = {
    F(1, I32, PTR, "parallelism"), F(2, I32, PTR, "completions"),
    F(3, I64, PTR, "activeDeadlineSeconds"), M(4, PTR, "selector", meta_LabelSelector),
    F(5, BOOL, PTR, "manualSelector"), M(6, 0, "template", core_PodTemplateSpec),
    F(7, I32, PTR, "backoffLimit"), F(8, I32, PTR, "ttlSecondsAfterFinished"),
    F(9, STR, PTR, "completionMode"), F(10, BOOL, PTR, "suspend"),
    M(11, PTR, "podFailurePolicy", batch_PodFailurePolicy), F(12, I32, PTR, "backoffLimitPerIndex"),
    F(13, I32, PTR, "maxFailedIndexes"), F(14, STR, PTR, "podReplacementPolicy"),
    F(15, STR, PTR, "managedBy"), M(16, PTR, "successPolicy", batch_SuccessPolicy)};
DESC(batch_JobSpec, "JobSpec");
static const daas_kube_pb_field batch_JobCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(3, TIME, 0, "lastProbeTime"),
    F(4, TIME, 0, "lastTransitionTime"), F(5, STR, 0, "reason"), F(6, STR, 0, "message")};
DESC(batch_JobCondition, "JobCondition");
static const daas_kube_pb_field batch_Uncounted_f[] = {
    F(1, STR, REP, "succeeded"), F(2, STR, REP, "failed")};
DESC(batch_Uncounted, "UncountedTerminatedPods");
static const daas_kube_pb_field batch_JobStatus_f[] = {
    M(1, REP, "conditions", batch_JobCondition), F(2, TIME, PTR, "startTime"),
    F(3, TIME, PTR, "completionTime"), F(4, I32, 0, "active"), F(5, I32, 0, "succeeded"),
    F(6, I32, 0, "failed"), F(7, STR, 0, "completedIndexes"),
    M(8, PTR, "uncountedTerminatedPods", batch_Uncounted), F(9, I32, PTR, "ready"),
    F(10, STR, PTR, "failedIndexes"), F(11, I32, PTR, "terminating")};
DESC(batch_JobStatus, "JobStatus");
static const daas_kube_pb_field batch_Job_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", batch_JobSpec),
    M(3, 0, "status", batch_JobStatus)};
DESC(batch_Job, "Job");
static const daas_kube_pb_field coord_LeaseSpec_f[] = {
    F(1, STR, PTR, "holderIdentity"), F(2, I32, PTR, "leaseDurationSeconds"),
    F(3, MTIME, PTR, "acquireTime"), F(4, MTIME, PTR, "renewTime"),
    F(5, I32, PTR, "leaseTransitions"), F(6, STR, PTR, "strategy"),
    F(7, STR, PTR, "preferredHolder")};
DESC(coord_LeaseSpec, "LeaseSpec");
static const daas_kube_pb_field coord_Lease_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", coord_LeaseSpec)};
DESC(coord_Lease, "Lease");
static const daas_kube_pb_field core_AttachedVolume_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "devicePath")};
DESC(core_AttachedVolume, "AttachedVolume");
static const daas_kube_pb_field core_ClientIPConfig_f[] = {
    F(1, I32, PTR, "timeoutSeconds")};
DESC(core_ClientIPConfig, "ClientIPConfig");
static const daas_kube_pb_field core_ConfigMap_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), MAP(2, "data", map_str), MAP(3, "binaryData", map_bytes),
    F(4, BOOL, PTR, "immutable")};
DESC(core_ConfigMap, "ConfigMap");
static const daas_kube_pb_field core_ConfigMapNodeConfigSource_f[] = {
    F(1, STR, 0, "namespace"), F(2, STR, 0, "name"), F(3, STR, 0, "uid"),
    F(4, STR, 0, "resourceVersion"), F(5, STR, 0, "kubeletConfigKey")};
DESC(core_ConfigMapNodeConfigSource, "ConfigMapNodeConfigSource");
static const daas_kube_pb_field core_ContainerImage_f[] = {
    F(1, STR, REP, "names"), F(2, I64, 0, "sizeBytes")};
DESC(core_ContainerImage, "ContainerImage");
static const daas_kube_pb_field core_ContainerStateWaiting_f[] = {
    F(1, STR, 0, "reason"), F(2, STR, 0, "message")};
DESC(core_ContainerStateWaiting, "ContainerStateWaiting");
static const daas_kube_pb_field core_ContainerStateRunning_f[] = {
    F(1, TIME, 0, "startedAt")};
DESC(core_ContainerStateRunning, "ContainerStateRunning");
static const daas_kube_pb_field core_ContainerStateTerminated_f[] = {
    F(1, I32, 0, "exitCode"), F(2, I32, 0, "signal"), F(3, STR, 0, "reason"),
    F(4, STR, 0, "message"), F(5, TIME, 0, "startedAt"), F(6, TIME, 0, "finishedAt"),
    F(7, STR, 0, "containerID")};
DESC(core_ContainerStateTerminated, "ContainerStateTerminated");
static const daas_kube_pb_field core_ContainerState_f[] = {
    M(1, PTR, "waiting", core_ContainerStateWaiting),
    M(2, PTR, "running", core_ContainerStateRunning),
    M(3, PTR, "terminated", core_ContainerStateTerminated)};
DESC(core_ContainerState, "ContainerState");
static const daas_kube_pb_field core_VolumeMountStatus_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "mountPath"), F(3, BOOL, 0, "readOnly"),
    F(4, STR, PTR, "recursiveReadOnly")};
DESC(core_VolumeMountStatus, "VolumeMountStatus");
static const daas_kube_pb_field core_LinuxContainerUser_f[] = {
    F(1, I64, 0, "uid"), F(2, I64, 0, "gid"), F(3, I64, REP, "supplementalGroups")};
DESC(core_LinuxContainerUser, "LinuxContainerUser");
static const daas_kube_pb_field core_ContainerUser_f[] = {
    M(1, PTR, "linux", core_LinuxContainerUser)};
DESC(core_ContainerUser, "ContainerUser");
static const daas_kube_pb_field core_ResourceHealth_f[] = {
    F(1, STR, 0, "resourceID"), F(2, STR, 0, "health")};
DESC(core_ResourceHealth, "ResourceHealth");
static const daas_kube_pb_field core_ResourceStatus_f[] = {
    F(1, STR, 0, "name"), M(2, REP, "resources", core_ResourceHealth)};
DESC(core_ResourceStatus, "ResourceStatus");
static const daas_kube_pb_field core_ContainerStatus_f[] = {
    F(1, STR, 0, "name"), M(2, 0, "state", core_ContainerState),
    M(3, 0, "lastState", core_ContainerState), F(4, BOOL, 0, "ready"),
    F(5, I32, 0, "restartCount"), F(6, STR, 0, "image"), F(7, STR, 0, "imageID"),
    F(8, STR, 0, "containerID"), F(9, BOOL, PTR, "started"),
    MAP(10, "allocatedResources", map_qty), M(11, PTR, "resources", core_ResourceRequirements),
    M(12, REP, "volumeMounts", core_VolumeMountStatus), M(13, PTR, "user", core_ContainerUser),
    M(14, REP, "allocatedResourcesStatus", core_ResourceStatus)};
DESC(core_ContainerStatus, "ContainerStatus");
static const daas_kube_pb_field core_DaemonEndpoint_f[] = {
    F(1, I32, 0, "Port")};
DESC(core_DaemonEndpoint, "DaemonEndpoint");
static const daas_kube_pb_field core_ObjectReference_f[] = {
    F(1, STR, 0, "kind"), F(2, STR, 0, "namespace"), F(3, STR, 0, "name"), F(4, STR, 0, "uid"),
    F(5, STR, 0, "apiVersion"), F(6, STR, 0, "resourceVersion"), F(7, STR, 0, "fieldPath")};
DESC(core_ObjectReference, "ObjectReference");
static const daas_kube_pb_field core_EndpointAddress_f[] = {
    F(1, STR, 0, "ip"), M(2, PTR, "targetRef", core_ObjectReference), F(3, STR, 0, "hostname"),
    F(4, STR, PTR, "nodeName")};
DESC(core_EndpointAddress, "EndpointAddress");
static const daas_kube_pb_field core_EndpointPort_f[] = {
    F(1, STR, 0, "name"), F(2, I32, 0, "port"), F(3, STR, 0, "protocol"),
    F(4, STR, PTR, "appProtocol")};
DESC(core_EndpointPort, "EndpointPort");
static const daas_kube_pb_field core_EndpointSubset_f[] = {
    M(1, REP, "addresses", core_EndpointAddress),
    M(2, REP, "notReadyAddresses", core_EndpointAddress), M(3, REP, "ports", core_EndpointPort)};
DESC(core_EndpointSubset, "EndpointSubset");
static const daas_kube_pb_field core_Endpoints_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, REP, "subsets", core_EndpointSubset)};
DESC(core_Endpoints, "Endpoints");
static const daas_kube_pb_field core_EventSource_f[] = {
    F(1, STR, 0, "component"), F(2, STR, 0, "host")};
DESC(core_EventSource, "EventSource");
static const daas_kube_pb_field core_EventSeries_f[] = {
    F(1, I32, 0, "count"), F(2, MTIME, 0, "lastObservedTime")};
DESC(core_EventSeries, "EventSeries");
static const daas_kube_pb_field core_Event_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "involvedObject", core_ObjectReference),
    F(3, STR, 0, "reason"), F(4, STR, 0, "message"), M(5, 0, "source", core_EventSource),
    F(6, TIME, 0, "firstTimestamp"), F(7, TIME, 0, "lastTimestamp"), F(8, I32, 0, "count"),
    F(9, STR, 0, "type"), F(10, MTIME, 0, "eventTime"), M(11, PTR, "series", core_EventSeries),
    F(12, STR, 0, "action"), M(13, PTR, "related", core_ObjectReference),
    F(14, STR, 0, "reportingComponent"), F(15, STR, 0, "reportingInstance")};
DESC(core_Event, "Event");
static const daas_kube_pb_field core_HostIP_f[] = {
    F(1, STR, 0, "ip")};
DESC(core_HostIP, "HostIP");
static const daas_kube_pb_field core_PortStatus_f[] = {
    F(1, I32, 0, "port"), F(2, STR, 0, "protocol"), F(3, STR, PTR, "error")};
DESC(core_PortStatus, "PortStatus");
static const daas_kube_pb_field core_LoadBalancerIngress_f[] = {
    F(1, STR, 0, "ip"), F(2, STR, 0, "hostname"), F(3, STR, PTR, "ipMode"),
    M(4, REP, "ports", core_PortStatus)};
DESC(core_LoadBalancerIngress, "LoadBalancerIngress");
static const daas_kube_pb_field core_LoadBalancerStatus_f[] = {
    M(1, REP, "ingress", core_LoadBalancerIngress)};
DESC(core_LoadBalancerStatus, "LoadBalancerStatus");
static const daas_kube_pb_field core_NamespaceSpec_f[] = {
    F(1, STR, REP, "finalizers")};
DESC(core_NamespaceSpec, "NamespaceSpec");
static const daas_kube_pb_field core_NamespaceCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(4, TIME, 0, "lastTransitionTime"),
    F(5, STR, 0, "reason"), F(6, STR, 0, "message")};
DESC(core_NamespaceCondition, "NamespaceCondition");
static const daas_kube_pb_field core_NamespaceStatus_f[] = {
    F(1, STR, 0, "phase"), M(2, REP, "conditions", core_NamespaceCondition)};
DESC(core_NamespaceStatus, "NamespaceStatus");
static const daas_kube_pb_field core_Namespace_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", core_NamespaceSpec),
    M(3, 0, "status", core_NamespaceStatus)};
DESC(core_Namespace, "Namespace");
static const daas_kube_pb_field core_Taint_f[] = {
    F(1, STR, 0, "key"), F(2, STR, 0, "value"), F(3, STR, 0, "effect"),
    F(4, TIME, PTR, "timeAdded")};
DESC(core_Taint, "Taint");
static const daas_kube_pb_field core_NodeConfigSource_f[] = {
    M(2, PTR, "configMap", core_ConfigMapNodeConfigSource)};
DESC(core_NodeConfigSource, "NodeConfigSource");
static const daas_kube_pb_field core_NodeSpec_f[] = {
    F(1, STR, 0, "podCIDR"), F(2, STR, 0, "externalID"), F(3, STR, 0, "providerID"),
    F(4, BOOL, 0, "unschedulable"), M(5, REP, "taints", core_Taint),
    M(6, PTR, "configSource", core_NodeConfigSource), F(7, STR, REP, "podCIDRs")};
DESC(core_NodeSpec, "NodeSpec");
static const daas_kube_pb_field core_NodeCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(3, TIME, 0, "lastHeartbeatTime"),
    F(4, TIME, 0, "lastTransitionTime"), F(5, STR, 0, "reason"), F(6, STR, 0, "message")};
DESC(core_NodeCondition, "NodeCondition");
static const daas_kube_pb_field core_NodeAddress_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "address")};
DESC(core_NodeAddress, "NodeAddress");
static const daas_kube_pb_field core_NodeDaemonEndpoints_f[] = {
    M(1, 0, "kubeletEndpoint", core_DaemonEndpoint)};
DESC(core_NodeDaemonEndpoints, "NodeDaemonEndpoints");
static const daas_kube_pb_field core_NodeSystemInfo_f[] = {
    F(1, STR, 0, "machineID"), F(2, STR, 0, "systemUUID"), F(3, STR, 0, "bootID"),
    F(4, STR, 0, "kernelVersion"), F(5, STR, 0, "osImage"),
    F(6, STR, 0, "containerRuntimeVersion"), F(7, STR, 0, "kubeletVersion"),
    F(8, STR, 0, "kubeProxyVersion"), F(9, STR, 0, "operatingSystem"),
    F(10, STR, 0, "architecture")};
DESC(core_NodeSystemInfo, "NodeSystemInfo");
static const daas_kube_pb_field core_NodeConfigStatus_f[] = {
    M(1, PTR, "assigned", core_NodeConfigSource), M(2, PTR, "active", core_NodeConfigSource),
    M(3, PTR, "lastKnownGood", core_NodeConfigSource), F(4, STR, 0, "error")};
DESC(core_NodeConfigStatus, "NodeConfigStatus");
static const daas_kube_pb_field core_NodeRuntimeHandlerFeatures_f[] = {
    F(1, BOOL, PTR, "recursiveReadOnlyMounts"), F(2, BOOL, PTR, "userNamespaces")};
DESC(core_NodeRuntimeHandlerFeatures, "NodeRuntimeHandlerFeatures");
static const daas_kube_pb_field core_NodeRuntimeHandler_f[] = {
    F(1, STR, 0, "name"), M(2, PTR, "features", core_NodeRuntimeHandlerFeatures)};
DESC(core_NodeRuntimeHandler, "NodeRuntimeHandler");
static const daas_kube_pb_field core_NodeFeatures_f[] = {
    F(1, BOOL, PTR, "supplementalGroupsPolicy")};
DESC(core_NodeFeatures, "NodeFeatures");
static const daas_kube_pb_field core_NodeStatus_f[] = {
    MAP(1, "capacity", map_qty), MAP(2, "allocatable", map_qty), F(3, STR, 0, "phase"),
    M(4, REP, "conditions", core_NodeCondition), M(5, REP, "addresses", core_NodeAddress),
    M(6, 0, "daemonEndpoints", core_NodeDaemonEndpoints), M(7, 0, "nodeInfo", core_NodeSystemInfo),
    M(8, REP, "images", core_ContainerImage), F(9, STR, REP, "volumesInUse"),
    M(10, REP, "volumesAttached", core_AttachedVolume),
    M(11, PTR, "config", core_NodeConfigStatus),
    M(12, REP, "runtimeHandlers", core_NodeRuntimeHandler),
    M(13, PTR, "features", core_NodeFeatures)};
DESC(core_NodeStatus, "NodeStatus");
static const daas_kube_pb_field core_Node_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", core_NodeSpec),
    M(3, 0, "status", core_NodeStatus)};
DESC(core_Node, "Node");
static const daas_kube_pb_field core_PodCondition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(3, TIME, 0, "lastProbeTime"),
    F(4, TIME, 0, "lastTransitionTime"), F(5, STR, 0, "reason"), F(6, STR, 0, "message")};
DESC(core_PodCondition, "PodCondition");
static const daas_kube_pb_field core_PodIP_f[] = {
    F(1, STR, 0, "ip")};
DESC(core_PodIP, "PodIP");
static const daas_kube_pb_field core_PodResourceClaimStatus_f[] = {
    F(1, STR, 0, "name"), F(2, STR, PTR, "resourceClaimName")};
DESC(core_PodResourceClaimStatus, "PodResourceClaimStatus");
static const daas_kube_pb_field core_PodStatus_f[] = {
    F(1, STR, 0, "phase"), M(2, REP, "conditions", core_PodCondition), F(3, STR, 0, "message"),
    F(4, STR, 0, "reason"), F(5, STR, 0, "hostIP"), F(6, STR, 0, "podIP"),
    F(7, TIME, PTR, "startTime"), M(8, REP, "containerStatuses", core_ContainerStatus),
    F(9, STR, 0, "qosClass"), M(10, REP, "initContainerStatuses", core_ContainerStatus),
    F(11, STR, 0, "nominatedNodeName"), M(12, REP, "podIPs", core_PodIP),
    M(13, REP, "ephemeralContainerStatuses", core_ContainerStatus), F(14, STR, 0, "resize"),
    M(15, REP, "resourceClaimStatuses", core_PodResourceClaimStatus),
    M(16, REP, "hostIPs", core_HostIP)};
DESC(core_PodStatus, "PodStatus");
static const daas_kube_pb_field core_Pod_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", core_PodSpec),
    M(3, 0, "status", core_PodStatus)};
DESC(core_Pod, "Pod");
static const daas_kube_pb_field core_Secret_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), MAP(2, "data", map_bytes), F(3, STR, 0, "type"),
    MAP(4, "stringData", map_str), F(5, BOOL, PTR, "immutable")};
DESC(core_Secret, "Secret");
static const daas_kube_pb_field core_ServicePort_f[] = {
    F(1, STR, 0, "name"), F(2, STR, 0, "protocol"), F(3, I32, 0, "port"),
    F(4, IOS, 0, "targetPort"), F(5, I32, 0, "nodePort"), F(6, STR, PTR, "appProtocol")};
DESC(core_ServicePort, "ServicePort");
static const daas_kube_pb_field core_SessionAffinityConfig_f[] = {
    M(1, PTR, "clientIP", core_ClientIPConfig)};
DESC(core_SessionAffinityConfig, "SessionAffinityConfig");
static const daas_kube_pb_field core_ServiceSpec_f[] = {
    M(1, REP, "ports", core_ServicePort), MAP(2, "selector", map_str), F(3, STR, 0, "clusterIP"),
    F(4, STR, 0, "type"), F(5, STR, REP, "externalIPs"), F(7, STR, 0, "sessionAffinity"),
    F(8, STR, 0, "loadBalancerIP"), F(9, STR, REP, "loadBalancerSourceRanges"),
    F(10, STR, 0, "externalName"), F(11, STR, 0, "externalTrafficPolicy"),
    F(12, I32, 0, "healthCheckNodePort"), F(13, BOOL, 0, "publishNotReadyAddresses"),
    M(14, PTR, "sessionAffinityConfig", core_SessionAffinityConfig),
    F(17, STR, PTR, "ipFamilyPolicy"), F(18, STR, REP, "clusterIPs"),
    F(19, STR, REP, "ipFamilies"), F(20, BOOL, PTR, "allocateLoadBalancerNodePorts"),
    F(21, STR, PTR, "loadBalancerClass"), F(22, STR, PTR, "internalTrafficPolicy"),
    F(23, STR, PTR, "trafficDistribution")};
DESC(core_ServiceSpec, "ServiceSpec");
static const daas_kube_pb_field meta_Condition_f[] = {
    F(1, STR, 0, "type"), F(2, STR, 0, "status"), F(3, I64, 0, "observedGeneration"),
    F(4, TIME, 0, "lastTransitionTime"), F(5, STR, 0, "reason"), F(6, STR, 0, "message")};
DESC(meta_Condition, "Condition");
static const daas_kube_pb_field core_ServiceStatus_f[] = {
    M(1, 0, "loadBalancer", core_LoadBalancerStatus), M(2, REP, "conditions", meta_Condition)};
DESC(core_ServiceStatus, "ServiceStatus");
static const daas_kube_pb_field core_Service_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", core_ServiceSpec),
    M(3, 0, "status", core_ServiceStatus)};
DESC(core_Service, "Service");
static const daas_kube_pb_field core_ServiceAccount_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, REP, "secrets", core_ObjectReference),
    M(3, REP, "imagePullSecrets", core_LocalObjectReference),
    F(4, BOOL, PTR, "automountServiceAccountToken")};
DESC(core_ServiceAccount, "ServiceAccount");
static const daas_kube_pb_field meta_Preconditions_f[] = {
    F(1, STR, PTR, "uid"), F(2, STR, PTR, "resourceVersion")};
DESC(meta_Preconditions, "Preconditions");
static const daas_kube_pb_field meta_DeleteOptions_f[] = {
    F(1, I64, PTR, "gracePeriodSeconds"), M(2, PTR, "preconditions", meta_Preconditions),
    F(3, BOOL, PTR, "orphanDependents"), F(4, STR, PTR, "propagationPolicy"),
    F(5, STR, REP, "dryRun"), F(6, BOOL, PTR, "ignoreStoreReadErrorWithClusterBreakingPotential")};
DESC(meta_DeleteOptions, "DeleteOptions");
/* policy/v1 (k8s.io/api v0.32.4 policy/v1/generated.proto); v1beta1's Eviction is the same. */
static const daas_kube_pb_field map_time_f[] = {F(1, STR, 0, "key"), F(2, TIME, 0, "value")};
DESC(map_time, "map<string,Time>");
static const daas_kube_pb_field policy_PodDisruptionBudgetSpec_f[] = {
    F(1, IOS, PTR, "minAvailable"), M(2, PTR, "selector", meta_LabelSelector),
    F(3, IOS, PTR, "maxUnavailable"), F(4, STR, PTR, "unhealthyPodEvictionPolicy")};
DESC(policy_PodDisruptionBudgetSpec, "PodDisruptionBudgetSpec");
static const daas_kube_pb_field policy_PodDisruptionBudgetStatus_f[] = {
    F(1, I64, 0, "observedGeneration"), MAP(2, "disruptedPods", map_time),
    F(3, I32, 0, "disruptionsAllowed"), F(4, I32, 0, "currentHealthy"),
    F(5, I32, 0, "desiredHealthy"), F(6, I32, 0, "expectedPods"),
    M(7, REP, "conditions", meta_Condition)};
DESC(policy_PodDisruptionBudgetStatus, "PodDisruptionBudgetStatus");
static const daas_kube_pb_field policy_PodDisruptionBudget_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, 0, "spec", policy_PodDisruptionBudgetSpec),
    M(3, 0, "status", policy_PodDisruptionBudgetStatus)};
DESC(policy_PodDisruptionBudget, "PodDisruptionBudget");
static const daas_kube_pb_field policy_Eviction_f[] = {
    M(1, 0, "metadata", meta_ObjectMeta), M(2, PTR, "deleteOptions", meta_DeleteOptions)};
DESC(policy_Eviction, "Eviction");
/* clang-format on */

/* SPEC: specs/kube-api.md §7: the kinds our server serves, plus DeleteOptions (the body of a
 * client-go typed Delete, encoded in the group-version of the resource). */
const daas_kube_pb_kind daas_kube__pb_kinds[] = {
    {"v1", "Namespace", &core_Namespace},
    {"v1", "Node", &core_Node},
    {"v1", "Pod", &core_Pod},
    {"v1", "Service", &core_Service},
    {"v1", "Endpoints", &core_Endpoints},
    {"v1", "ConfigMap", &core_ConfigMap},
    {"v1", "Secret", &core_Secret},
    {"v1", "Event", &core_Event},
    {"v1", "ServiceAccount", &core_ServiceAccount},
    {"apps/v1", "Deployment", &apps_Deployment},
    {"apps/v1", "ReplicaSet", &apps_ReplicaSet},
    {"apps/v1", "DaemonSet", &apps_DaemonSet},
    {"apps/v1", "ControllerRevision", &apps_ControllerRevision},
    {"batch/v1", "Job", &batch_Job},
    {"coordination.k8s.io/v1", "Lease", &coord_Lease},
    {"v1", "DeleteOptions", &meta_DeleteOptions},
    {"meta.k8s.io/v1", "DeleteOptions", &meta_DeleteOptions},
    {"apps/v1", "DeleteOptions", &meta_DeleteOptions},
    {"coordination.k8s.io/v1", "DeleteOptions", &meta_DeleteOptions},
    {"batch/v1", "DeleteOptions", &meta_DeleteOptions},
    {"policy/v1", "PodDisruptionBudget", &policy_PodDisruptionBudget},
    {"policy/v1", "Eviction", &policy_Eviction},
    {"policy/v1beta1", "Eviction", &policy_Eviction},
    {"policy/v1", "DeleteOptions", &meta_DeleteOptions},
};
const size_t daas_kube__pb_nkinds = sizeof(daas_kube__pb_kinds) / sizeof(daas_kube__pb_kinds[0]);

const daas_kube_pb_msg *daas_kube__pb_lookup(const char *api_version, const char *kind)
{
    for (size_t i = 0; i < daas_kube__pb_nkinds; i++) {
        const daas_kube_pb_kind *k = &daas_kube__pb_kinds[i];
        if (strcmp(k->api_version, api_version) == 0 && strcmp(k->kind, kind) == 0)
            return k->msg;
    }
    return NULL;
}
