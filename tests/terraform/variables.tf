# A variables-only Terraform module: today's root-module variables (names,
# types, defaults and sensitivity from ../shared/reference/infra-repo-facts.md)
# plus the variables topogen adds. scripts/conformance.sh runs
#   terraform init && terraform plan -var-file=<generated tfvars>
# against it, so Terraform itself type-checks every generated value and warns
# about any variable the root module would not accept. No provider and no
# resources: it works offline and plans nothing.
#
# Keep it in step with the infrastructure repository's root module: a
# variable added there must be added here, and a variable topogen starts to
# emit must be declared here (and in the root module) first.

terraform {
  # Validation conditions that refer to other variables need Terraform 1.9.
  required_version = ">= 1.9"
}

# ----------------------------------------------------------------------------
# Today's root module
# ----------------------------------------------------------------------------

variable "hcloud_token" {
  description = "Hetzner Cloud API token; set via TF_VAR_hcloud_token, never in tfvars"
  type        = string
  sensitive   = true
}

variable "ssh_public_key" {
  description = "SSH public key; set via TF_VAR_ssh_public_key, never in tfvars"
  type        = string
}

variable "control_plane_primary_ip_id" {
  description = "set by the provision workflow, never in tfvars"
  type        = string
  default     = ""
}

variable "kafka_primary_ip_id" {
  description = "set by the provision workflow, never in tfvars"
  type        = string
  default     = ""
}

variable "environment" {
  description = "one of the topology's environments"
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.environment))
    error_message = "environment must be a lower-case environment name."
  }
}

variable "cluster_name" {
  type    = string
  default = "k3s-trading"
}

variable "location" {
  type    = string
  default = "nbg1"
}

variable "datacenter" {
  type    = string
  default = "nbg1-dc3"
}

variable "control_plane_server_type" {
  type    = string
  default = "cx22"
}

variable "kafka_server_type" {
  type    = string
  default = "cx22"
}

variable "kafka_node_count" {
  type    = number
  default = 1
}

variable "worker_server_type" {
  type    = string
  default = "cx22"
}

variable "worker_node_count" {
  type    = number
  default = 0
}

variable "network_cidr" {
  type    = string
  default = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.network_cidr, 0))
    error_message = "network_cidr must be a CIDR block."
  }
}

variable "subnet_cidr" {
  type    = string
  default = "10.0.1.0/24"

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0))
    error_message = "subnet_cidr must be a CIDR block."
  }
}

variable "control_plane_private_ip" {
  type    = string
  default = "10.0.1.10"
}

variable "k3s_version" {
  type    = string
  default = "v1.34.1+k3s1"
}

variable "kafka_version" {
  type    = string
  default = "4.0.0"
}

# ----------------------------------------------------------------------------
# Added by topogen: per-node private IPs of each agent pool (replacing the
# root module's hard-coded host offsets) and the firewall rules.
# ----------------------------------------------------------------------------

variable "kafka_private_ips" {
  description = "private IP of Kafka node i at index i"
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.kafka_private_ips) == 0 || length(var.kafka_private_ips) == var.kafka_node_count
    error_message = "kafka_private_ips must hold one address per Kafka node (kafka_node_count)."
  }
}

variable "worker_private_ips" {
  description = "private IP of worker node i at index i"
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.worker_private_ips) == 0 || length(var.worker_private_ips) == var.worker_node_count
    error_message = "worker_private_ips must hold one address per worker node (worker_node_count)."
  }
}

variable "firewall_rules" {
  description = "inbound firewall rules, from the topology's exposure"
  type = list(object({
    description = string
    direction   = string
    protocol    = string
    port        = string
    source_ips  = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.firewall_rules : contains(["in", "out"], r.direction)])
    error_message = "firewall rule direction must be \"in\" or \"out\" (hcloud_firewall)."
  }

  validation {
    condition     = alltrue([for r in var.firewall_rules : contains(["tcp", "udp", "icmp", "gre", "esp"], r.protocol)])
    error_message = "firewall rule protocol must be one of tcp, udp, icmp, gre, esp (hcloud_firewall)."
  }

  validation {
    condition     = alltrue([for r in var.firewall_rules : can(regex("^(any|[0-9]{1,5}(-[0-9]{1,5})?)$", r.port))])
    error_message = "firewall rule port must be a port, a range \"from-to\" or \"any\" (hcloud_firewall)."
  }

  validation {
    condition     = alltrue(flatten([for r in var.firewall_rules : [for ip in r.source_ips : can(cidrhost(ip, 0))]]))
    error_message = "firewall rule source_ips must be CIDR blocks."
  }
}
